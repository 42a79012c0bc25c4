"""kansrijk: which B2B customers and prospects are worth the sales team's time, and why."""

import warnings

# Great Expectations imports pyspark when it is installed (the Spark target needs it);
# pyspark then warns about pandas 3 on every run although kansrijk never uses it with pandas.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
