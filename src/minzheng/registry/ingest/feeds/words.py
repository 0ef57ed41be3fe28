"""Enumerated values as departments write them: spellings accepted besides the schema's labels."""

from __future__ import annotations

SEX_WORDS = {"M": ("男", "男性", "1"), "F": ("女", "女性", "2")}
RELATION_WORDS = {
    "head": ("户主", "本人"),
    "spouse": ("妻", "夫", "妻子", "丈夫"),
    "child": (
        "子",
        "女",
        "儿子",
        "女儿",
        "长子",
        "次子",
        "三子",
        "长女",
        "次女",
        "三女",
        "养子",
        "养女",
        "继子",
        "继女",
        "独生子",
        "独生女",
    ),
    "parent": ("父亲", "母亲", "父", "母", "继父", "继母"),
    "grandchild": ("孙子", "孙女", "外孙子", "外孙女", "外孙"),
    "grandparent": ("祖父", "祖母", "外祖父", "外祖母"),
    "sibling": ("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),
    "other": ("儿媳", "女婿", "孙媳妇", "侄子", "侄女", "外甥", "外甥女", "其他亲属", "非亲属"),
}
SCHOOL_WORDS = {
    "preschool": ("学前", "幼儿园"),
    "primary": ("小学阶段",),
    "junior": ("初级中学", "初中阶段"),
    "senior": ("普通高中", "高中阶段"),
    "vocational": ("中等职业教育", "中专", "职高", "技工学校", "中职学校"),
    "college": ("高职", "专科", "高职（专科）", "高等职业教育"),
    "bachelor": ("大学本科", "本科生"),
    "postgraduate": ("硕士", "博士", "硕士研究生", "博士研究生"),
}
VEHICLE_WORDS = {
    "car": (
        "汽车",
        "小型汽车",
        "小型轿车",
        "轿车",
        "小型普通客车",
        "小型越野客车",
        "微型汽车",
        "中型客车",
        "大型客车",
        "载客汽车",
        "载货汽车",
        "货车",
        "小型客车",
        "面包车",
    ),
    "motorcycle": ("摩托车", "二轮摩托车", "三轮摩托车", "普通摩托车"),
    "disability_vehicle": ("残疾人专用车", "残疾人摩托车"),
    "construction_machinery": ("挖掘机", "装载机", "推土机"),
    "large_farm_machinery": ("拖拉机", "联合收割机", "大型农业机械"),
    "boat": ("船", "船只"),
}
ROLE_WORDS = {
    "legal_representative": ("法人", "法人代表", "法定代表人（负责人）", "负责人", "经营者"),
    "senior_manager": (
        "董事长",
        "执行董事",
        "董事",
        "总经理",
        "副总经理",
        "经理",
        "监事",
        "财务负责人",
        "高管",
    ),
    "controlling_shareholder": ("实际控制人", "投资人", "个人独资企业投资人"),
}
OPERATING_WORDS = {
    True: ("存续", "在业", "开业", "在营", "正常", "营业", "存续（在营、开业、在册）"),
    False: ("吊销", "注销", "停业", "歇业", "迁出", "撤销", "清算", "吊销未注销", "已注销"),
}
DISABILITY_KIND_WORDS = {
    "visual": ("视力", "1"),
    "hearing": ("听力", "2"),
    "speech": ("言语", "3"),
    "physical": ("肢体", "4"),
    "intellectual": ("智力", "5"),
    "mental": ("精神", "6"),
    "multiple": ("多重", "7"),
}
GRADE_WORDS = {
    1: ("一级", "1", "1级", "壹级", "一"),
    2: ("二级", "2", "2级", "贰级", "二"),
    3: ("三级", "3", "3级", "叁级", "三"),
    4: ("四级", "4", "4级", "肆级", "四"),
}
PENSION_WORDS = {
    "basic_pension": (
        "城乡居民基本养老保险",
        "城乡居民养老保险",
        "居民养老保险",
        "城乡居民基础养老金",
    ),
    "pension": (
        "企业职工基本养老保险",
        "企业养老保险",
        "职工养老保险",
        "机关事业单位养老保险",
        "机关事业单位基本养老保险",
        "退休金",
    ),
}
HOUSING_GRADE_WORDS = {
    "": ("非危房", "A", "B", "A级", "B级", "安全", "无"),
    "C": ("C", "C级", "C级危房"),
    "D": ("D", "D级", "D级危房"),
}
MARRIAGE_WORDS = {
    "marriage": ("结婚", "结婚登记", "复婚", "复婚登记"),
    "divorce": ("离婚", "离婚登记"),
}
PROGRAMME_WORDS = {
    "dibao": ("低保", "城市低保", "农村低保", "城乡低保", "城市最低生活保障", "农村最低生活保障"),
    "dibao_individual": ("单人户低保", "单人保（低保边缘家庭重病重残人员）"),
    "tekun": ("特困", "特困人员", "特困供养", "五保", "城市特困", "农村特困"),
    "near_dibao": ("低保边缘", "低边"),
    "rigid_hardship": ("刚性支出困难", "支出型困难家庭"),
    "temporary_aid": ("临时救助金",),
}
VISIT_WORDS = {"inpatient": ("住院",), "outpatient": ("门诊", "门特", "门诊慢特病", "药店购药")}
HOUSEHOLD_PROGRAMMES = frozenset({"dibao", "near_dibao", "rigid_hardship"})
