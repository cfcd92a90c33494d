"""Plausible, valid answers for any e-form: demo dossiers, benchmarks and tests.

For every visible field it tries a few candidate values, in order, and keeps the first the
form's own rules accept (so the answers are valid by construction, not by assumption).
Synthetic values only: the names, numbers and addresses do not belong to anyone.
"""
from __future__ import annotations

import random

from portal import clock
from portal.services import eforms
from portal.text import fold

NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Thu Dung", "Hoàng Văn Em")


def fill(spec: eforms.Spec, options: eforms.OptionsFn, data: dict | None = None,
         seed: int = 0) -> dict:
    """``data`` with every visible, still-empty or wrong field given a valid value."""
    rng = random.Random(seed)
    data = dict(data or {})
    for _round in range(3):  # a choice may reveal fields that depend on it
        for section in spec.sections:
            for inst in eforms.instances(section, data):
                if eforms.is_visible(spec, inst, data):
                    _fill_one(spec, inst, data, options, rng)
    return data


def _fill_one(spec, inst, data, options, rng) -> None:
    if inst.field.type == "group":
        return
    if eforms.check(spec, inst, data, options).error is None and _has_value(inst, data):
        return
    for candidate in _candidates(spec, inst, data, options, rng):
        trial = {**data, **candidate}
        result = eforms.check(spec, inst, trial, options)
        if result.error is None:
            data.update(candidate)
            data.update(result.values)
            return


def _has_value(inst: eforms.Instance, data: dict) -> bool:
    return any(data.get(name) for name in inst.input_names())


def _candidates(spec, inst, data, options, rng):
    f, key = inst.field, inst.key
    kind = f.type
    if kind == "date":
        year = rng.randint(1960, 2000) if f.past else clock.today().year
        yield {f"{key}-ngay": str(rng.randint(1, 28)), f"{key}-thang": str(rng.randint(1, 12)),
               f"{key}-nam": str(year)}
        yield {f"{key}-ngay": str(clock.today().day), f"{key}-thang": str(clock.today().month),
               f"{key}-nam": str(clock.today().year)}
    elif kind == "address":
        province = options("province", "")[0][0]
        commune = options("commune", province)[0][0]
        yield {f"{key}-duong": f"Số {rng.randint(1, 200)}, thôn Đông", f"{key}-tinh": province,
               f"{key}-xa": commune}
    elif kind in ("radios", "select", "yesno", "catalogue"):
        for value, _label in eforms.field_options(spec, inst, data, options):
            yield {key: value}
    elif kind == "checkboxes":
        yield {key: [f.options[0][0]]} if f.options else {key: []}
    elif kind == "declaration":
        yield {key: "y"}
    elif kind == "cccd":
        yield from _cccd_candidates(key, rng)
    else:
        yield from _text_candidates(f, key, rng)


def _cccd_candidates(key: str, rng):
    # The 4th digit encodes century and gender; try each, the rules pick the right one.
    tail = f"{rng.randint(0, 999999):06d}"
    for digit in "0123":
        for year in range(60, 100):
            yield {key: f"022{digit}{year:02d}{tail}"}


def _text_candidates(f: eforms.Field, key: str, rng):
    low = int(f.min) if f.min is not None else 1
    kind, label = f.type, fold(f.label)
    if kind == "number":
        yield {key: str(max(low, rng.randint(1, 5)))}
    elif kind == "money":
        yield {key: f"{rng.randint(5, 95) * 10}.000.000"}
    elif kind == "phone":
        yield {key: f"09{rng.randint(10000000, 99999999)}"}
    elif kind == "email":
        yield {key: f"nguoi.nop{rng.randint(1, 999)}@example.com"}
    elif kind == "tax_code":
        yield {key: "0101234567"}
    elif ("ho" in label and "ten" in label) or label.startswith("ten nguoi"):
        yield {key: NAMES[rng.randrange(len(NAMES))]}
    yield {key: "Thông tin mẫu để trình diễn"}
    yield {key: NAMES[rng.randrange(len(NAMES))]}
    yield {key: "0912345678"}
    yield {key: str(max(low, 1))}
