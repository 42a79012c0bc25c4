"""Reference data of the demo company: industries, sizes, product groups, names, and the behaviour
of each segment (order frequency, discounts, growth, service, payment, hit rates) that plants its facts."""

from __future__ import annotations

from datetime import date

import numpy as np

COMPANY = "Van der Berg Techniek Groothandel B.V."
EPOCH = date(1970, 1, 1)

# --------------------------------------------------------------------------------------
# Reference data of the demo company
# --------------------------------------------------------------------------------------
INDUSTRIES = ["46", "43", "41", "28", "47", "86", "56"]
SIZES = ["micro", "small", "medium", "large"]
EMP_LO = np.array([1, 10, 50, 250])
EMP_HI = np.array([9, 49, 249, 2500])
IND_W = np.array([0.16, 0.30, 0.14, 0.10, 0.13, 0.07, 0.10])
# customers' size mix per industry (28-micro: never a customer; 86-large: prospects only)
SIZE_W = np.array([
    [0.30, 0.35, 0.25, 0.10],  # 46 wholesale / resellers
    [0.35, 0.35, 0.22, 0.08],  # 43 installers
    [0.35, 0.35, 0.20, 0.10],  # 41 building
    [0.00, 0.35, 0.40, 0.25],  # 28 machinery
    [0.55, 0.30, 0.12, 0.03],  # 47 retail
    [0.35, 0.38, 0.27, 0.00],  # 86 healthcare
    [0.60, 0.30, 0.08, 0.02],  # 56 horeca
])
PROSPECT_IND_W = np.array([0.12, 0.30, 0.20, 0.06, 0.14, 0.10, 0.08])
PROSPECT_SIZE_W = np.array([0.50, 0.30, 0.15, 0.05])

GROUPS = [
    "Elektra", "Verlichting", "Sanitair", "Verwarming & klimaat", "Gereedschap",
    "Bevestigingsmaterialen", "PBM & werkkleding", "Aandrijftechniek",
    "Pneumatiek & hydrauliek", "Schoonmaak & hygiëne", "Bouwchemie & afdichting",
]
G = len(GROUPS)
GROUP_MARKUP = np.array([1.50, 1.62, 1.58, 1.78, 1.65, 1.70, 1.60, 1.75, 1.72, 1.45, 1.62])
GROUP_COST = np.array([15.0, 25, 45, 90, 35, 8, 18, 60, 50, 9, 12])  # median unit cost EUR
GROUP_QTY = np.array([4.0, 2, 1, 1, 1, 10, 3, 1, 1.5, 5, 3])  # typical quantity per line
GROUP_NOUNS = [
    ["Installatiekabel", "Schakelaar", "Wandcontactdoos", "Installatiebuis", "Aardlekautomaat"],
    ["LED-paneel", "LED-buis", "Armatuur", "Schijnwerper", "Noodverlichting"],
    ["Mengkraan", "Closetcombinatie", "Sifon", "Perskoppeling", "Wastafel"],
    ["Radiatorkraan", "CV-pomp", "Thermostaat", "Warmtepompset", "Expansievat"],
    ["Accuboormachine", "Waterpas", "Bitset", "Haakse slijper", "Moersleutelset"],
    ["Houtschroef", "Keilbout", "Pluggen", "Draadeind", "Parker"],
    ["Werkhandschoen", "Veiligheidsbril", "Werkjas", "Veiligheidsschoen", "Gehoorbeschermer"],
    ["Kogellager", "V-snaar", "Tandwielkast", "Koppeling", "Elektromotor"],
    ["Pneumatische cilinder", "Hydraulische slang", "Ventielblok", "Snelkoppeling", "Drukregelaar"],
    ["Handzeep", "Papierrol", "Allesreiniger", "Desinfectiemiddel", "Afvalzak"],
    ["Siliconenkit", "PU-schuim", "Montagelijm", "Afdichtband", "Primer"],
]
BRANDS = ["Vdb Pro", "Hollandia", "Techmaster", "Nordline", "Kraft&Co", "Eurotec"]
# relevance of product groups per industry (0 = not relevant)
IND_GROUPS = np.array([
    [.12, .10, .10, .10, .12, .12, .08, .06, .06, .07, .07],  # 46
    [.22, .10, .16, .28, .08, .10, .04, 0, 0, 0, .02],  # 43
    [.08, 0, .08, 0, .20, .26, .15, 0, 0, 0, .23],  # 41
    [.06, 0, 0, 0, .15, .16, .10, .30, .23, 0, 0],  # 28
    [.10, .20, 0, 0, .25, .20, 0, 0, 0, .15, .10],  # 47
    [.10, .15, .20, 0, 0, 0, .20, 0, 0, .35, 0],  # 86
    [.10, .20, .20, .10, 0, 0, 0, 0, 0, .40, 0],  # 56
])
TRADES = [
    ["Handelsonderneming", "Groothandel", "Distributie", "Trading"],
    ["Installatietechniek", "Elektrotechniek", "Installatiebedrijf", "Klimaattechniek"],
    ["Bouw", "Aannemersbedrijf", "Bouwbedrijf", "Renovatie"],
    ["Machinefabriek", "Metaalbewerking", "Precisietechniek", "Constructie"],
    ["IJzerwaren", "Bouwmarkt", "Doe-het-zelf", "Huishoudwinkel"],
    ["Zorggroep", "Kliniek", "Tandartspraktijk", "Fysiotherapie"],
    ["Eetcafé", "Restaurant", "Hotel", "Brasserie"],
]
SURNAMES = [
    "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden",
    "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek",
    "de Bruijn", "de Jong", "Schouten", "van Beek", "Willems", "van Dijk", "Hoekstra",
    "Maas", "Verhoeven", "Koster", "Müller", "Peeters", "Claes", "Goossens", "Schmidt",
]
FIRSTNAMES = [
    "Jan", "Pieter", "Kees", "Anouk", "Sanne", "Mark", "Bas", "Eva", "Lotte", "Ruud",
    "Femke", "Thijs", "Joost", "Ilse", "Martijn", "Noor", "Daan", "Sophie", "Wim", "Esther",
    "Rik", "Marloes", "Jeroen", "Inge", "Koen", "Linda", "Tom", "Ans", "Hans", "Mirjam",
]
COUNTRIES = ["NL", "BE", "DE"]
COUNTRY_W = np.array([0.80, 0.12, 0.08])
LEGAL = {"NL": ["B.V.", "B.V.", "V.O.F.", "", "Holding B.V."], "BE": ["BV", "NV", "BV", "", "CommV"],
         "DE": ["GmbH", "GmbH", "GmbH & Co. KG", "e.K.", "AG"]}
COMPETITORS = ["Technoprof", "Rexa Groothandel", "Bouwmaat Direct", "Van Dam Industrial Supply",
               "Zwart Technische Handel"]
CHANNEL_W = np.array([  # web, edi, email, phone, field  per size class
    [0.30, 0.00, 0.25, 0.40, 0.05],
    [0.35, 0.05, 0.25, 0.25, 0.10],
    [0.30, 0.25, 0.20, 0.10, 0.15],
    [0.15, 0.60, 0.10, 0.05, 0.10],
])

# Segment behaviour: arrays [industry, size]
S_FREQ = np.tile([0.4, 0.7, 1.3, 2.3], (7, 1))  # invoices per month
S_LPI = np.tile([2.0, 2.8, 3.5, 4.5], (7, 1))  # lines per invoice
S_QTY = np.tile([1.0, 1.6, 2.5, 4.0], (7, 1))  # quantity scale
S_DISC = np.tile([8.0, 10, 13, 17], (7, 1))  # mean discount %
S_GROWTH = np.full((7, 4), 0.02)  # volume growth per year
S_EXPRESS = np.tile([0.08, 0.06, 0.05, 0.04], (7, 1))
S_CASES = np.tile([0.8, 1.0, 1.5, 2.5], (7, 1))  # service cases per year
S_LATE = np.tile([5.0, 3, 2, 2], (7, 1))  # days paid after due date
S_HIT = np.full((7, 4), 0.35)  # opportunity win rate (customers)
S_CONV = np.full((7, 4), 1.0)  # funnel multiplier for appointments/quotes/inbound
S_BADDEBT = np.full((7, 4), 0.004)


def _seg(ind: str, size: str, **kw: float) -> None:
    i, s = INDUSTRIES.index(ind), SIZES.index(size)
    arrays = {"freq": S_FREQ, "lpi": S_LPI, "qty": S_QTY, "disc": S_DISC, "growth": S_GROWTH,
              "express": S_EXPRESS, "cases": S_CASES, "late": S_LATE, "hit": S_HIT,
              "conv": S_CONV, "baddebt": S_BADDEBT}
    for k, v in kw.items():
        arrays[k][i, s] = v


_seg("43", "medium", disc=2, growth=0.18, hit=0.55, conv=1.5)
_seg("43", "large", disc=8, growth=0.10, hit=0.50, conv=1.3)
_seg("28", "large", disc=3, growth=0.15, hit=0.50, conv=1.4)
_seg("28", "medium", disc=7, growth=0.08, hit=0.45, conv=1.2)
_seg("41", "medium", growth=0.06)
_seg("47", "micro", disc=22, growth=-0.10, freq=0.6, lpi=1.4, qty=0.6, express=0.30, cases=3.0,
     late=25, hit=0.15, conv=0.6, baddebt=0.02)
_seg("56", "micro", disc=21, growth=-0.08, freq=0.6, lpi=1.5, qty=0.6, express=0.35, cases=3.5,
     late=30, hit=0.18, conv=0.6, baddebt=0.02)
_seg("47", "small", disc=15, growth=-0.03, late=12, cases=2.0, hit=0.25)
_seg("56", "small", disc=14, late=15, hit=0.25)
for _s in SIZES:
    _seg("86", _s, hit=0.25, conv=0.8)
_seg("86", "large", hit=0.05, conv=0.4)

CASE_MIN = np.array([12.0, 45, 30, 40, 35])  # question, complaint, return, invoice_dispute, delivery_issue
CASE_P = np.array([0.45, 0.15, 0.15, 0.10, 0.15])
CASE_P_HC = np.array([0.15, 0.30, 0.15, 0.20, 0.20])
ACT_MIN_LO = np.array([3, 45, 30, 2, 45])  # call, visit, meeting, email, demo
ACT_MIN_HI = np.array([20, 120, 90, 10, 90])
CAMPAIGN_CHANNELS = ["email", "webinar", "event", "trade_fair", "direct_mail", "linkedin"]
CAMPAIGN_COST = np.array([[2500, 6000], [5000, 12000], [15000, 35000], [40000, 80000],
                          [8000, 20000], [4000, 10000]])
CAMPAIGN_REACH = np.array([0.7, 0.4, 0.15, 0.2, 0.5, 0.3])
CAMPAIGN_THEMES = ["Voorjaarsactie", "Duurzaam installeren", "Nieuw assortiment", "Veilig werken",
                   "Energietransitie", "Najaarsbeurs", "Service & onderhoud", "Eindejaarsvoordeel"]

BIG = 10**9  # "never" as a day number
