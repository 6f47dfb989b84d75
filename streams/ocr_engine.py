"""How the RapidOCR models are driven (one engine per process, one inference thread).

The models are RapidOCR's own ONNX files, run by OpenVINO rather than ONNX Runtime: on the same
pages OpenVINO reads every line identically (single precision, asked for explicitly, because on
CPUs with bfloat16 units it would otherwise compute in bfloat16 and read some lines
differently) for about half the CPU. `LEGACY` keeps ONNX Runtime, so the benchmark can measure
the two side by side.

RapidOCR's own call sends every text line through the angle classifier, which only decides
whether a line is upside down. `DEFAULT` skips it unless the page needs it: the lines are read
the way up they were found, and only when most of them read badly (a page scanned upside
down) does the classifier run and the page get read again. Everything else is RapidOCR's own
call, because every other change measured so far moved some lines enough to lose fields.

`FAST` also sizes the text detector to the print instead of the image: RapidOCR scales every
page so that its short side is at least 736 pixels and its long side at most 2000, whatever
the print, while the detector only needs a character a dozen pixels tall. `FAST` measures the
print (the median height of the ink blobs, a few milliseconds with OpenCV), scales the
detector's input to it, and recognises one line per model call (in a batch every line is
padded to the longest). It costs clearly less CPU but reads some lines differently (spaces,
small print), enough to lose fields on held-out scans, so it is not the default. `LEGACY` is
RapidOCR's own call as the pipeline used it before; the benchmark measures it beside
`DEFAULT` on the same pages.

Measured and not adopted (issue 23; process CPU alternating on the same pages, field accuracy
of the local rules): Tesseract 5.3 (`eng`, a subprocess) about 0.8 CPU-s a receipt, but 0.759
on the development receipts; `FAST` with `rec_batch=6` loses the same fields as `FAST` (seed 901
0.974, `DEFAULT` 0.987), so its detector sizing loses them; `rec_batch=1` with ONNX Runtime's
memory arena 0.74-0.78 of `DEFAULT`'s CPU, one field fewer on generated seed 902; the arena
alone reads bit-identically and saved 4-20%, but keeps the detector's buffers (a process 1.2 GB
resident instead of 0.55), too much for a 2 GB worker with two pool processes; OpenVINO in
bfloat16 (its default on CPUs with AMX) a quarter of ONNX Runtime's CPU, but a fifth of the
lines read differently (spaces dropped or added, "Rourding").
"""

from __future__ import annotations

import ctypes
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

# quadrilateral (image pixels), text, score, and the score of each of the text's characters
Line = tuple[list[list[float]], str, float, list[float]]

MIN_SCORE = 0.5  # RapidOCR's own default: lines below this are mostly noise
_engines: dict[str, Any] = {}
_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc's: freed heap back to the system
_lock = threading.Lock()


@dataclass(frozen=True)
class Tuning:
    text_px: float | None  # a character's height at the detector; None: RapidOCR's own sizing
    min_scale: float = 0.25  # bounds on the detector's scale, whatever the print measures
    max_scale: float = 2.0
    max_side: int = 2400  # the detector's input never longer than this
    flip_share: float = 0.5  # angle classifier when more than this share of lines read badly
    rec_batch: int = 6  # lines recognised per model call (each padded to the longest)
    cls_on_demand: bool = True  # False: every line through the angle classifier
    runtime: str = "openvino"  # or "onnxruntime", RapidOCR's own sessions


DEFAULT = Tuning(text_px=None)  # RapidOCR's detector sizing, the classifier on demand
FAST = Tuning(text_px=12.0, rec_batch=1)
LEGACY = Tuning(text_px=None, cls_on_demand=False, runtime="onnxruntime")


def get_engine(runtime: str = DEFAULT.runtime) -> Any:
    """The process-wide RapidOCR engine of a runtime, created lazily (loading models is slow)."""
    with _lock:
        if runtime not in _engines:
            # Must be set before onnxruntime starts its thread pools.
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            from rapidocr_onnxruntime import RapidOCR

            engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
            engine.text_rec.postprocess_op = _CharScores(engine.text_rec.postprocess_op)
            if runtime == "openvino":
                _on_openvino(engine)
            elif runtime != "onnxruntime":
                raise ValueError(f"unknown OCR runtime {runtime!r}")
            _engines[runtime] = engine
        return _engines[runtime]


def _on_openvino(engine: Any) -> None:
    """Put OpenVINO, compiled from the same ONNX files, in place of RapidOCR's three sessions."""
    import openvino
    from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
    from rapidocr_onnxruntime.utils import read_yaml, update_model_path

    paths = update_model_path(read_yaml(DEFAULT_CFG_PATH))
    core = openvino.Core()
    core.set_property("CPU", {"INFERENCE_NUM_THREADS": 1, "NUM_STREAMS": 1,
                              "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32",
                              "CPU_DENORMALS_OPTIMIZATION": True,  # below 1e-38 is 0
                              "ENABLE_CPU_PINNING": False})  # pool processes share the cores

    def compiled(stage: str) -> _Compiled:
        return _Compiled(core.compile_model(paths[stage]["model_path"], "CPU"), stage == "Det")

    engine.text_det.infer = compiled("Det")
    engine.text_cls.infer = compiled("Cls")
    engine.text_rec.session = compiled("Rec")
    preprocess = engine.text_det.get_preprocess
    engine.text_det.get_preprocess = lambda longest: _TablePreprocess(preprocess(longest))


class _TablePreprocess:
    """RapidOCR's detector preprocessing, its per-pixel normalisation looked up in a table.

    RapidOCR normalises the page in float64, pixel by pixel, which cost a fifth of an A4 page's
    OCR once the models ran on OpenVINO. A pixel's value depends only on its byte and channel,
    so the table holds RapidOCR's own result for each of the 256 x 3 and the input is identical.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        levels = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
        self.table = inner.normalize(levels).astype(np.float32).T  # [channel, byte]

    def __call__(self, img: np.ndarray) -> np.ndarray | None:
        resized = self.inner.resize(img)
        if resized is None or resized.dtype != np.uint8:
            return self.inner(img)
        out = np.empty((1, 3, *resized.shape[:2]), np.float32)
        for channel in range(3):
            np.take(self.table[channel], resized[:, :, channel], out=out[0, channel])
        return out


class _Compiled:
    """An OpenVINO model called like RapidOCR's session: one input in, a list of outputs back.

    A request per call, so threads never share one. The detector's input is the whole page, and
    OpenVINO keeps the buffers of the largest page it has seen: after each page the detector
    hands them back, to the C heap and from there to the system, so a pool process stays as
    small between pages as it was with ONNX Runtime (about 0.7 GB after receipts and A4 scans,
    where keeping them held 1.2 GB). The detector runs one page at a time, so no call is
    running while its buffers are released.
    """

    def __init__(self, model: Any, page_sized: bool) -> None:
        self.model = model
        self.page_sized = page_sized
        self.lock = threading.Lock()

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        if not self.page_sized:
            return [self._infer(batch)]
        with self.lock:
            out = self._infer(batch)
            self.model.release_memory()
            if _TRIM is not None:
                _TRIM(0)
        return [out]

    def _infer(self, batch: np.ndarray) -> np.ndarray:
        # the input is read in place (RapidOCR never reuses it), the output is a copy
        return self.model.create_infer_request().infer([batch], share_inputs=True)[0]


class _CharScores:
    """RapidOCR's CTC decoder, keeping the score of every character it reads.

    The decoder scores each character and returns only their mean, the line's score. One
    misread digit in a long line barely moves that mean, so every line comes back as (text,
    mean, per-character scores) instead; RapidOCR passes the tuple through to its result.
    Nothing else changes: the same text, the same line score, no extra model work.
    """

    def __init__(self, decode: Any) -> None:
        self.decode = decode

    def __call__(self, preds: Any, return_word_box: bool = False, **kwargs: Any) -> list:
        if return_word_box:  # RapidOCR's own word boxes want its own format
            return self.decode(preds, True, **kwargs)
        return [(text, score, [float(c) for c in info[-1]])
                for text, score, info in self.decode(preds, True, **kwargs)]


def read_lines(img: Image.Image, tuning: Tuning = DEFAULT) -> list[Line]:
    """Text lines of an RGB image: box, text, score and each character's score, lines below
    MIN_SCORE left out."""
    engine = get_engine(tuning.runtime)
    engine.text_rec.rec_batch_num = tuning.rec_batch
    if tuning.text_px is None:
        if not tuning.cls_on_demand:
            result, _ = engine(img)
        else:  # every line back (text_score 0) to judge whether the page reads upside down
            result, _ = engine(img, use_cls=False, text_score=0.0)
            if _share_bad([r[2] for r in result or []]) > tuning.flip_share:
                result, _ = engine(img, text_score=0.0)
        return [(box, text, float(score), chars) for box, text, score, chars in result or []
                if float(score) >= MIN_SCORE]
    bgr = engine.load_img(img)
    boxes = detect(engine, bgr, detector_scale(bgr, tuning))
    if not boxes:
        return []
    crops = engine.get_crop_img_list(bgr, boxes)
    read, _ = engine.text_rec(crops)
    if _share_bad([r[1] for r in read]) > tuning.flip_share:  # upside down: turn the lines
        crops, _, _ = engine.text_cls(crops)
        read, _ = engine.text_rec(crops)
    lines = zip(boxes, read, strict=True)
    return [(box.tolist(), text, float(score), chars) for box, (text, score, chars) in lines
            if float(score) >= MIN_SCORE]


def _share_bad(scores: list) -> float:
    return sum(float(s) < MIN_SCORE for s in scores) / max(len(scores), 1)


def char_height(bgr: np.ndarray) -> float | None:
    """The median height in pixels of the ink blobs (mostly single characters), or None."""
    import cv2

    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights, widths = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    # a character: taller than dust, shorter than a rule or a photo, not a long line
    glyph = (heights >= 4) & (heights <= bgr.shape[0] / 8) & (widths <= 3 * heights)
    if glyph.sum() < 10:
        return None
    return float(np.median(heights[glyph]))


def detector_scale(bgr: np.ndarray, tuning: Tuning) -> float:
    """The scale at which the print is `tuning.text_px` tall, within the tuning's bounds."""
    assert tuning.text_px is not None
    measured = char_height(bgr)
    scale = 1.0 if measured is None else tuning.text_px / measured
    scale = min(max(scale, tuning.min_scale), tuning.max_scale)
    return min(scale, tuning.max_side / max(bgr.shape[:2]))


def detect(engine: Any, bgr: np.ndarray, scale: float) -> list[np.ndarray]:
    """Text-line boxes (page pixels, top to bottom) found at `scale` of the page."""
    import cv2

    det = engine.text_det
    height, width = bgr.shape[:2]
    size = (max(32, round(width * scale / 32) * 32), max(32, round(height * scale / 32) * 32))
    shrink = size[0] < width
    small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    tensor = (small.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]  # mean 0.5, std 0.5
    heat = det.infer(tensor)[0]
    boxes, _ = det.postprocess_op(heat, (height, width))
    boxes = det.filter_tag_det_res(boxes, (height, width))
    return engine.sorted_boxes(boxes) if len(boxes) else []
