"""The figures the synthetic population is calibrated to, each with its source tag.

Tags as in docs/population.md: **[G]** government text, **[M]** mainstream media, **[K]** widely
repeated (recalled, not confirmed from a primary text — verify), **[A]** an assumption of ours.
Changing a figure here changes the generated data (and the documented proportions): update
docs/population.md in the same commit.

The 低保 standards are used only to *place* households around the line (poor, near-poor, well
above); the generator never decides eligibility — the engine does, from the facts written.
"""

from __future__ import annotations

# --- the city ----------------------------------------------------------------------------------

# Resident population by county-level division, 7th census 2020, in persons [K: recalled from the
# county bulletins; within ~1 % — verify]. Used only as relative weights between chosen counties.
COUNTY_POPULATION: dict[str, int] = {
    "500101": 1_563_500,  # 万州区
    "500102": 1_115_200,  # 涪陵区
    "500103": 588_700,  # 渝中区
    "500104": 421_300,  # 大渡口区
    "500105": 925_700,  # 江北区
    "500106": 1_477_600,  # 沙坪坝区
    "500107": 1_526_500,  # 九龙坡区
    "500108": 1_197_100,  # 南岸区
    "500109": 833_500,  # 北碚区
    "500110": 1_011_200,  # 綦江区 (incl. 万盛)
    "500111": 835_200,  # 大足区
    "500112": 2_191_500,  # 渝北区
    "500113": 1_178_800,  # 巴南区
    "500114": 487_400,  # 黔江区
    "500115": 693_500,  # 长寿区
    "500116": 1_359_800,  # 江津区
    "500117": 1_245_500,  # 合川区
    "500118": 1_148_400,  # 永川区
    "500119": 571_600,  # 南川区
    "500120": 759_300,  # 璧山区
    "500151": 685_600,  # 铜梁区
    "500152": 687_800,  # 潼南区
    "500153": 668_600,  # 荣昌区
    "500154": 1_203_300,  # 开州区
    "500155": 645_700,  # 梁平区
    "500156": 356_900,  # 武隆区
    "500229": 197_400,  # 城口县
    "500230": 557_500,  # 丰都县
    "500231": 643_400,  # 垫江县
    "500233": 721_100,  # 忠县
    "500235": 929_100,  # 云阳县
    "500236": 744_900,  # 奉节县
    "500237": 462_500,  # 巫山县
    "500238": 389_800,  # 巫溪县
    "500240": 389_000,  # 石柱土家族自治县
    "500241": 486_300,  # 秀山土家族苗族自治县
    "500242": 607_800,  # 酉阳土家族苗族自治县
    "500243": 493_800,  # 彭水苗族土家族自治县
}

# Share of each county's households living in urban places (residents' committees, village code
# 001–199) [A: rounded, informed by the city-wide urbanisation rate of 69.46 % in the 2020 census
# [K] and the usual gradient from the central districts to the mountain counties].
COUNTY_URBAN_SHARE: dict[str, float] = {
    "500101": 0.68,
    "500102": 0.70,
    "500103": 1.00,
    "500104": 0.96,
    "500105": 0.96,
    "500106": 0.94,
    "500107": 0.93,
    "500108": 0.95,
    "500109": 0.82,
    "500110": 0.62,
    "500111": 0.58,
    "500112": 0.88,
    "500113": 0.80,
    "500114": 0.55,
    "500115": 0.68,
    "500116": 0.70,
    "500117": 0.68,
    "500118": 0.72,
    "500119": 0.58,
    "500120": 0.70,
    "500151": 0.60,
    "500152": 0.52,
    "500153": 0.60,
    "500154": 0.52,
    "500155": 0.52,
    "500156": 0.50,
    "500229": 0.45,
    "500230": 0.48,
    "500231": 0.50,
    "500233": 0.50,
    "500235": 0.48,
    "500236": 0.50,
    "500237": 0.45,
    "500238": 0.42,
    "500240": 0.48,
    "500241": 0.50,
    "500242": 0.40,
    "500243": 0.43,
}

# Counties that were counties or county-level cities before becoming districts: ID numbers issued
# before the change keep the old address code for life (programmes.md §8). (new code: (old code,
# year of the change)) [K: State Council approvals 2001–2016].
RETIRED_COUNTY_CODES: dict[str, tuple[str, int]] = {
    "500110": ("500222", 2011),  # 綦江县 → 綦江区
    "500111": ("500225", 2011),  # 大足县 → 大足区
    "500115": ("500221", 2001),  # 长寿县 → 长寿区
    "500116": ("500381", 2006),  # 江津市 → 江津区
    "500117": ("500382", 2006),  # 合川市 → 合川区
    "500118": ("500383", 2006),  # 永川市 → 永川区
    "500119": ("500384", 2006),  # 南川市 → 南川区
    "500120": ("500227", 2014),  # 璧山县 → 璧山区
    "500151": ("500224", 2014),  # 铜梁县 → 铜梁区
    "500152": ("500223", 2015),  # 潼南县 → 潼南区
    "500153": ("500226", 2015),  # 荣昌县 → 荣昌区
    "500154": ("500234", 2016),  # 开县 → 开州区
    "500155": ("500228", 2016),  # 梁平县 → 梁平区
    "500156": ("500232", 2016),  # 武隆县 → 武隆区
}

# Older residents whose ID number was issued in a central district they have since left
# (programmes.md §8: the address code never changes) [A].
ELDERLY_MOVED_ID_CODES = ("500105", "500112")
ELDERLY_MOVED_ID_SHARE = 0.05  # of people aged 60+ [A]
# Working-age adults registered (户籍) in another county than the one they live in [A].
HUKOU_ELSEWHERE_SHARE = 0.05

# --- age and households ------------------------------------------------------------------------

# Chongqing 7th census 2020, share of the resident population [K: 重庆市第七次全国人口普查公报].
AGE_SHARE_0_14 = 0.1591
AGE_SHARE_60_PLUS = 0.2187
AGE_SHARE_65_PLUS = 0.1708
# Average size of a family household, 7th census 2020: 2.45 [K]. The means-test household also
# keeps members living apart (students, workers away, prisoners), so the target here is the
# issue's "around 2.6" [A].
HOUSEHOLD_SIZE_TARGET = 2.6
SEX_RATIO_AT_BIRTH = 1.08  # boys per girl [A, near the census figure for recent births]
HEAD_MALE_SHARE = 0.68  # of heads of couples and families [A]
ELDER_ALONE_FEMALE_SHARE = 0.6  # widows outlive widowers [A]

# --- incomes -----------------------------------------------------------------------------------

# Per-capita disposable income, Chongqing 2023, yuan a year [K: 重庆市2023年国民经济和社会发展
# 统计公报; programmes.md §0].
DISPOSABLE_INCOME_URBAN = 47_435
DISPOSABLE_INCOME_RURAL = 20_820
# Spread of per-capita household income, log-normal sigma [A: gives a Gini near 0.4].
INCOME_SIGMA_URBAN = 0.62
INCOME_SIGMA_RURAL = 0.55
# 低保 standards in force on 2025-07-29, yuan/person/month (programmes.md §1 [G]); used only to
# place households below, near or above the line.
DIBAO_STANDARD_URBAN = 770
DIBAO_STANDARD_RURAL = 630
# 特困 basic living standard in force 2025-07-29 = 1.3 × urban 低保 (programmes.md §2 [G]).
TEKUN_STANDARD = 1001
# Households not planted as poor or near-poor sit above this multiple of the line [A].
ABOVE_LINE_MULTIPLE = 1.6
# Residents' basic pension (城乡居民基础养老金), yuan a month; not counted as income [A: order of
# magnitude of the Chongqing minimum; not confirmed].
RESIDENTS_BASIC_PENSION_MONTHLY = 175

# --- health and disability ---------------------------------------------------------------------

# Disability prevalence 6.34 % of the population (2nd national sample survey on disability,
# 2006) [K]; by age band below [A], tuned so the total lands near 6 %.
DISABILITY_BY_AGE = ((0, 0.012), (15, 0.03), (45, 0.06), (60, 0.12), (75, 0.22))
# Grades 1 (most severe) … 4 [A: severe grades rarer].
DISABILITY_GRADE_SHARES = (0.10, 0.18, 0.30, 0.42)
# Kinds, 2006 survey shares [K]: visual, hearing, speech, physical, intellectual, mental, multiple.
DISABILITY_KIND_SHARES = (0.1486, 0.2416, 0.0153, 0.2907, 0.0668, 0.0740, 0.1630)
# Recognised major illness by age band [A].
MAJOR_ILLNESS_BY_AGE = ((0, 0.003), (15, 0.006), (45, 0.012), (60, 0.025), (75, 0.035))
# Loss of one or more of the six self-care items among the old: 18.3 % of people 60+ were
# disabled or semi-disabled (4th sample survey of the urban and rural elderly, 2015) [K]; by band [A].
SELF_CARE_LOSS_BY_AGE = ((60, 0.06), (70, 0.15), (80, 0.38))
SELF_CARE_ITEMS_SHARES = (0.34, 0.20, 0.14, 0.12, 0.10, 0.10)  # 1 … 6 items, given any [A]

# --- work and school ---------------------------------------------------------------------------

# Employment of people aged 16–59 not in school, by area type [A]:
# employed, self_employed, farming, unemployed, not_working.
WORK_SHARES_URBAN = (0.68, 0.11, 0.01, 0.05, 0.15)
WORK_SHARES_RURAL = (0.34, 0.08, 0.40, 0.04, 0.14)
URBAN_RETIRED_SHARE_60 = 0.78  # urban people 60+ drawing an employee pension [A]
RURAL_FARMING_SHARE_60_74 = 0.50  # rural people 60–74 still farming [A]
# Industry of the employed and self-employed: GB/T 4754-2017 section letters and shares [A].
INDUSTRIES = ("C", "E", "F", "G", "H", "O", "I", "J", "K", "L", "M", "N", "P", "Q", "S")
INDUSTRY_SHARES = (
    0.21,
    0.14,
    0.15,
    0.07,
    0.08,
    0.08,
    0.03,
    0.02,
    0.02,
    0.03,
    0.02,
    0.03,
    0.05,
    0.04,
    0.03,
)

# --- spending ----------------------------------------------------------------------------------

# Medical out-of-pocket: (age from, share with any spending in a year, median yuan) [A].
MEDICAL_BY_AGE = ((0, 0.30, 600), (15, 0.30, 900), (45, 0.42, 1_500), (60, 0.62, 2_600))
MEDICAL_SIGMA = 1.0
# Education spending a year by school status, urban/rural, yuan [A].
EDUCATION_COST: dict[str, tuple[int, int]] = {
    "preschool": (7_000, 3_000),
    "primary": (1_800, 800),
    "junior": (2_400, 1_200),
    "senior": (4_500, 3_000),
    "vocational": (3_500, 2_500),
    "college": (9_000, 8_000),
    "bachelor": (11_000, 10_000),
    "postgraduate": (12_000, 12_000),
}
REHABILITATION_SHARE = 0.25  # of disabled people, with 1,000–15,000 a year [A]

# --- assets ------------------------------------------------------------------------------------

# Cars: ~6 million motor vehicles in Chongqing in 2024 (≈ 0.5 per household) [M]; the share of
# households owning at least one, above the poor tail [A].
CAR_SHARE_URBAN = 0.42
CAR_SHARE_RURAL = 0.26
MOTORCYCLE_SHARE_URBAN = 0.05
MOTORCYCLE_SHARE_RURAL = 0.30
FARM_MACHINERY_SHARE_RURAL = 0.01
CAR_VALUE_MEDIAN = 85_000
# Homes per household above the poor tail (0, 1, 2, 3) [A].
HOMES_URBAN = (0.12, 0.68, 0.16, 0.04)
HOMES_RURAL = (0.02, 0.92, 0.06, 0.00)
HOME_AREA_MEDIAN_URBAN = 90.0  # m² [A]
HOME_AREA_MEDIAN_RURAL = 125.0  # m², self-built houses [A]
HOME_PRICE_URBAN = 8_500  # yuan/m² [A]
HOME_PRICE_RURAL = 1_200  # yuan/m² [A]
# Deposits as a multiple of annual household income (log-normal median, sigma) [A].
DEPOSIT_MULTIPLE_MEDIAN = 0.8
DEPOSIT_MULTIPLE_SIGMA = 1.0
SECURITIES_SHARE_URBAN = 0.10
INSURANCE_SHARE = 0.15
# Business roles of working-age people above the poor tail [A].
SELF_EMPLOYED_LEGAL_REP_SHARE = 0.45
EMPLOYED_MANAGER_SHARE = 0.02
EMPLOYED_SHAREHOLDER_SHARE = 0.005
