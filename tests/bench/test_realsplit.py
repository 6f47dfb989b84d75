"""The fixed split of real labelled documents: every fourth one, from position 3, is held out."""

from bench.realsplit import write_split


def test_every_fourth_labelled_document_is_held_out_and_the_rest_tuned(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for index in range(9):
        (src / f"r{index}.jpg").write_bytes(b"\xff\xd8")
        (src / f"r{index}.jpg.gt.json").write_text("{}")
    (src / "unlabelled.jpg").write_bytes(b"\xff\xd8")
    made = write_split(src, tmp_path / "out")
    assert [p.name for p in made["holdout"]] == ["r3.jpg", "r7.jpg"]
    assert [p.name for p in made["tune"]] == ["r0.jpg", "r1.jpg", "r2.jpg", "r4.jpg", "r5.jpg",
                                              "r6.jpg", "r8.jpg"]
    assert (tmp_path / "out" / "holdout" / "r3.jpg.gt.json").resolve() == (
        src / "r3.jpg.gt.json").resolve()
