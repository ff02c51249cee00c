"""IdentityMemo: work done once per object (a take's data, a cached pipeline), never confused
with another object that happens to be equal or to get the same id later."""

from __future__ import annotations

import gc

import pytest

from filmstudio.core.memo import IdentityMemo


def test_work_is_done_once_per_object_and_name():
    memo, calls = IdentityMemo(8), []

    def make(data):
        calls.append(data)
        return len(data["latent"])

    take = {"latent": [0.5] * 100}
    assert memo.get(take, "size", make) == 100
    assert memo.get(take, "size", make) == 100
    assert memo.get(take, "other", make) == 100  # another name: other work
    equal = {"latent": [0.5] * 100}
    assert memo.get(equal, "size", make) == 100  # an equal object is not the same object
    assert len(calls) == 3


def test_a_remembered_object_is_kept_so_its_id_cannot_be_reused():
    memo = IdentityMemo(8)
    first = {"n": 1}
    id_of_first = id(first)
    remembered = memo.get(first, "n", lambda d: d["n"])
    del first
    gc.collect()
    newcomers = [{"n": 2} for _ in range(1000)]  # would reuse the freed id, were it freed
    assert all(id(d) != id_of_first for d in newcomers)
    assert remembered == 1 and all(memo.get(d, "n", lambda d: d["n"]) == 2 for d in newcomers[:4])


def test_only_the_latest_are_kept():
    memo, calls = IdentityMemo(2), []
    objects = [[i] for i in range(3)]
    for item in objects:
        memo.get(item, "x", lambda d: calls.append(d) or d[0])
    memo.get(objects[0], "x", lambda d: calls.append(d) or d[0])  # pushed out by the third: made again
    memo.get(objects[2], "x", lambda d: calls.append(d) or d[0])  # still there
    assert len(calls) == 4


def test_a_plan_pass_looks_each_thing_up_once_and_the_next_pass_afresh():
    from filmstudio.core.memo import pass_memo, remembered

    calls = []

    def look():
        calls.append(1)
        return len(calls)

    assert remembered("model", look) == 1 and remembered("model", look) == 2  # no pass: every time
    with pass_memo():
        assert [remembered("model", look) for _ in range(5)] == [3] * 5
        with pass_memo():  # nested: the outer pass holds
            assert remembered("model", look) == 3
        assert remembered("other", look) == 4
    with pass_memo():
        assert remembered("model", look) == 5


def test_a_keyed_memo_makes_each_key_once_keeps_the_latest_and_not_errors():
    from filmstudio.core.memo import KeyedMemo

    memo, calls = KeyedMemo(2), []

    def make(key):
        def made():
            calls.append(key)
            if key == "bad":
                raise ValueError("no")
            return key.upper()

        return made

    assert [memo.get(k, make(k)) for k in ("a", "a", "b", "a", "c", "b")] == ["A", "A", "B", "A", "C", "B"]
    assert calls == ["a", "b", "c", "b"]  # "a" was used after "b", so "b" went when "c" came
    for _ in range(2):
        with pytest.raises(ValueError):
            memo.get("bad", make("bad"))
    assert calls.count("bad") == 2  # an error is raised again, not remembered
    memo.clear()
    assert memo.get("a", make("a")) == "A" and calls[-1] == "a"
