"""Chinese names: a surname weighted by frequency and a given name of one or two characters.

Surname weights follow the national ranking (王 李 张 刘 陈 … in the 2020 national name report of
the Ministry of Public Security [K]) bent towards names common in Chongqing and its south-east
(谭, 冉, 向, 田, 彭) [A]. Given-name characters are drawn from pools by sex and by the decade of
birth, so grandparents are called 秀英 and 建国 and grandchildren 梓涵 and 浩宇 [A].
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# (surname, weight per mille) [K for the national top ten, A for the local adjustments].
_SURNAMES = (
    ("陈", 62),
    ("李", 60),
    ("张", 58),
    ("刘", 52),
    ("王", 50),
    ("杨", 34),
    ("周", 24),
    ("黄", 22),
    ("罗", 20),
    ("何", 18),
    ("谭", 16),
    ("唐", 16),
    ("吴", 15),
    ("赵", 14),
    ("徐", 12),
    ("胡", 13),
    ("冉", 10),
    ("向", 10),
    ("田", 10),
    ("彭", 11),
    ("邓", 11),
    ("曾", 10),
    ("熊", 9),
    ("蒋", 9),
    ("杜", 8),
    ("郭", 8),
    ("马", 8),
    ("朱", 9),
    ("孙", 7),
    ("林", 7),
    ("高", 7),
    ("郑", 6),
    ("梁", 6),
    ("谢", 7),
    ("宋", 6),
    ("许", 6),
    ("韩", 5),
    ("冯", 6),
    ("曹", 5),
    ("肖", 8),
    ("董", 5),
    ("袁", 7),
    ("蔡", 5),
    ("余", 8),
    ("叶", 5),
    ("程", 5),
    ("魏", 5),
    ("苏", 5),
    ("吕", 4),
    ("丁", 4),
    ("任", 5),
    ("卢", 5),
    ("姚", 4),
    ("沈", 4),
    ("钟", 5),
    ("姜", 4),
    ("崔", 3),
    ("陆", 3),
    ("范", 4),
    ("汪", 4),
    ("廖", 6),
    ("石", 5),
    ("文", 5),
    ("夏", 4),
    ("付", 5),
    ("方", 4),
    ("邹", 5),
    ("白", 4),
    ("秦", 5),
    ("侯", 4),
    ("江", 4),
    ("雷", 5),
    ("龙", 5),
    ("黎", 4),
    ("陶", 4),
    ("贺", 4),
    ("毛", 4),
    ("龚", 4),
    ("万", 4),
    ("牟", 4),
    ("税", 2),
    ("冷", 2),
    ("况", 2),
    ("母", 2),
    ("幸", 1),
)

SURNAMES: tuple[str, ...] = tuple(s for s, _w in _SURNAMES)
SURNAME_WEIGHTS = np.array([w for _s, w in _SURNAMES], dtype=np.float64)
SURNAME_WEIGHTS /= SURNAME_WEIGHTS.sum()

# Given-name characters by (sex, era). Eras: born before 1960, 1960–1979, 1980–1999, 2000 on.
_ERA_BOUNDS = (1960, 1980, 2000)
_MALE = (
    "国建华明德福贵文志中永春林祥荣忠海金清才",
    "军伟强勇斌刚兵杰平建国红明辉林峰涛波华东",
    "伟磊鹏浩杰俊超波宇晨亮峰斌鑫凯阳帆涛林毅",
    "浩宇轩梓子睿博文涵泽铭晨煜熙俊杰宸一航奕",
)
_FEMALE = (
    "秀英兰珍芳桂凤玉华淑琴翠素清云芬梅群贞莲",
    "红梅丽霞艳琼芳燕萍玲华英敏静莉琴娟蓉平菊",
    "婷丽娟敏静雪倩颖琳佳欣洁丹晶燕蕾莎娜瑶玲",
    "涵欣梓萱怡诗雨可馨悦子琪婉若彤佳一依晴妍",
)


def _era(birth_years: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(_ERA_BOUNDS), birth_years, side="right")


def given_names(rng: np.random.Generator, male: np.ndarray, birth_years: np.ndarray) -> pa.Array:
    """A one- or two-character given name for each person (two characters four times in five)."""
    n = len(male)
    pools = [list(p) for p in (*_FEMALE, *_MALE)]
    pool_size = len(pools[0])
    flat = pa.array([c for pool in pools for c in pool], type=pa.string())
    pool_index = _era(birth_years) + np.where(male, len(_FEMALE), 0)
    first = pool_index * pool_size + rng.integers(0, pool_size, n)
    second = pool_index * pool_size + rng.integers(0, pool_size, n)
    one_char = rng.random(n) < 0.2
    second_chars = pc.if_else(pa.array(one_char), "", flat.take(pa.array(second)))
    return pc.binary_join_element_wise(flat.take(pa.array(first)), second_chars, "")


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Surname indices into ``SURNAMES``, weighted by frequency."""
    return np.searchsorted(np.cumsum(SURNAME_WEIGHTS), rng.random(n) * 0.999999999).astype(np.int16)


def full_names(surname_index: np.ndarray, given: pa.Array) -> pa.Array:
    """Surname and given name joined, as an Arrow string array."""
    surnames = pa.array(SURNAMES, type=pa.string()).take(pa.array(surname_index))
    return pc.binary_join_element_wise(surnames, given, "")


if any(len(pool) != len(_MALE[0]) for pool in (*_MALE, *_FEMALE)):
    raise RuntimeError("given-name pools must all have the same number of characters")
