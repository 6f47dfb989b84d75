"""bench.fit_confidence --degrade: harder copies of tuning scans, ground truth beside them."""

import json

from PIL import Image

from bench.fit_confidence import main


def test_degraded_copies_keep_their_truth_and_shrink_within_the_scale(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    for name in ("a.jpg", "b.jpg"):
        Image.new("RGB", (1000, 2000), "white").save(src / name)
        truth = {"file": name, "fields": {"total": "1.00"}}
        (src / f"{name}.gt.json").write_text(json.dumps(truth))
    main(["--degrade", str(src), str(dst), "--scale", "0.6", "0.75"])
    for name in ("a.jpg", "b.jpg"):
        out = dst / f"deg_{name}"
        width, height = Image.open(out).size
        assert 600 <= width <= 750 and 1200 <= height <= 1500
        truth = json.loads((dst / f"deg_{name}.gt.json").read_text())
        assert truth["file"] == out.name and truth["fields"] == {"total": "1.00"}
