"""The departments the generated facts claim to come from: the ``source`` of every row.

The codes are the feed codes the registry declares for partner departments
(``registry/ingest/feeds``), so generated facts show the same sources as imported ones. One source
has no declared feed yet: ``civil_survey``, civil affairs' own household means-test investigation
(入户调查), which states transfers from relatives, farm income and other facts no department sends.
The Chinese names go into the manifest so a loader can create a feed row it does not have yet.
"""

from __future__ import annotations

FEEDS: dict[str, str] = {
    "police_hukou": "公安·户籍人口",
    "police_deaths": "公安·死亡人口",
    "hrss_contributions": "人社·社保缴费（工资）",
    "hrss_pension": "人社·养老金领取",
    "hrss_unemployment": "人社·失业登记",
    "healthcare_medical": "医保·医疗费用个人自付",
    "education_students": "教育·在校学生",
    "realestate_homes": "不动产·房屋",
    "vehicles": "车管·车辆",
    "market_business": "市场监管·企业任职",
    "disability_certificates": "残联·残疾证",
    "bank_deposits": "银行·存款余额",
    "civil_marriage": "民政·婚姻登记",
    "civil_enrolments": "民政·当前救助享受",
    "civil_survey": "民政·家庭经济状况调查",
}
CODES: tuple[str, ...] = tuple(FEEDS)
INDEX = {code: i for i, code in enumerate(CODES)}
