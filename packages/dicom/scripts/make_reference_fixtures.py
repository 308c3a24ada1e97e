#!/usr/bin/env python3
"""Generate reference-decode fixtures for the TypeScript DICOM decoder tests.

Run from the repository root (/work/main) with Debian's Python (NOT the pyenv
``python3`` on PATH), which has python3-pydicom 2.3.1, python3-gdcm and
python3-numpy installed as Debian packages:

    python3 packages/dicom/scripts/make_reference_fixtures.py

Optional arguments: ``--data-root DIR`` (default /work/shared/data),
``--out FILE`` (default packages/dicom/test/fixtures/reference.json next to
this script), ``--jobs N`` (parallel workers, default = CPU count),
``--timeout S`` (per-file limit in seconds, default 60), and any number of
paths relative to the data root to restrict the run (for debugging; the
fixture is only written when no paths are given, unless ``--out`` is given).

It reads every file under ``<data-root>/dicom-corpus`` and
``<data-root>/chest-ct`` (``SOURCES.md`` files are skipped; the data is only
read, never copied) and writes one JSON object keyed by the path relative to
the data root, with sorted keys.  Each entry has:

* always ``transferSyntax`` (UID from the file meta, or null if the file has
  no file meta / no TransferSyntaxUID), ``sizeBytes``, ``gdcmUsed``, ``status``
  (``"ok"`` or ``"error"``);
* for ``"error"``: ``reason``, one of ``not-dicom``, ``no-pixel-data``,
  ``colour`` (also records rows/cols/photometric/samplesPerPixel),
  ``float-pixel-data``, ``truncated``, ``unsupported-ts``,
  ``image-too-large``, ``parse-failed: <ExceptionClass>``,
  ``decode-failed: <ExceptionClass>`` (``Timeout``/``WorkerCrash`` when the
  per-file worker process ran out of time or died);
* for ``"ok"`` (pixels decoded by pydicom with force=True, using pydicom's
  numpy handler for native/deflated syntaxes, pydicom's RLE handler for RLE
  and the GDCM handler for JPEG / JPEG-LS / JPEG 2000, and the image is
  greyscale: SamplesPerPixel 1 and MONOCHROME1/2 -- a missing
  PhotometricInterpretation with SamplesPerPixel 1 is treated as greyscale
  and recorded as ``photometric: null``):

  - ``rows``, ``cols``, ``frames``, ``bitsAllocated``, ``bitsStored``,
    ``pixelRepresentation``, ``photometric``, ``lossy`` (lossy transfer
    syntax: JPEG baseline/extended/other lossy processes, JPEG-LS
    near-lossless, JPEG 2000 (.91/.93), HTJ2K .203, MPEG/HEVC video);
  - ``storedSha256``: sha256 of the stored values of all frames, in order,
    as int32 little-endian.  Stored value = raw decoded sample
    ``& ((1 << BitsStored) - 1)``, sign-extended from BitsStored when
    PixelRepresentation is 1.  The masking is done here explicitly on the
    raw decoder output.  ``storedMin`` / ``storedMax``;
  - modality values: ModalityLUTSequence via
    ``pydicom.pixel_data_handlers.util.apply_modality_lut`` when present,
    otherwise ``stored * slope + intercept`` (slope 1 / intercept 0 when
    absent).  For enhanced multi-frame objects slope/intercept come from
    PerFrameFunctionalGroupsSequence[i].PixelValueTransformationSequence[0]
    when present, else SharedFunctionalGroupsSequence[0]
    .PixelValueTransformationSequence[0], else the top-level attributes;
  - padding: voxels whose stored value equals PixelPaddingValue, or lies in
    the inclusive range [PixelPaddingValue, PixelPaddingRangeLimit] when the
    limit exists (both read as 16-bit values with PixelRepresentation
    signedness).  ``paddingCount``;
  - ``huMin``, ``huMax``, ``huMean``, ``huStd`` (population std) in float64
    over non-padding voxels of all frames (null if every voxel is padding);
  - ``huSha256``: sha256 of the modality values of all frames as float32
    little-endian, with padding voxels replaced by the quiet NaN 0x7fc00000;
  - ``grid``: frame 0 split into 16x16 cells with ``np.array_split`` along
    rows and cols; each value is the mean modality value of the non-padding
    voxels of that cell, rounded to 4 decimals (null when the cell is empty
    or all padding -- images smaller than 16 px in a dimension have empty
    cells);
  - ``rescale``: ``{"slope", "intercept"}`` applied to frame 0, or
    ``{"lut": true}`` when the Modality LUT Sequence was used;
  - ``dcmtkStoredSha256`` / ``dcmtkMaxAbsDiff`` (JPEG, JPEG-LS and RLE files
    only, when dcmtk manages): the same stored-value hash after decompressing
    with dcmtk (``dcmdjpeg`` / ``dcmdjpls`` / ``dcmdrle``) to a temporary
    file, and the largest absolute difference from the pydicom/GDCM stored
    values.  Omitted silently when dcmtk fails.

Every file is processed in its own forked worker process with a wall-clock
timeout, an address-space limit and Python's recursion limit, so malformed
inputs (a 65535x65535 header in a 1 KB file, sequences nested thousands
deep) cannot hang or crash the run.  No patient-identifying values (names,
IDs, dates, UIDs) are recorded.  A summary table (status/reason and transfer
syntax counts) is printed at the end.
"""

import argparse
import hashlib
import json
import math
import multiprocessing as mp
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

SCRIPT_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = SCRIPT_DIR.parent / "test" / "fixtures" / "reference.json"
DEFAULT_DATA_ROOT = Path("/work/shared/data")
SUBDIRS = ("dicom-corpus", "chest-ct")

# Decoded image larger than this (bytes) is refused as "image-too-large".
MAX_DECODED_BYTES = 1 << 30
# Address-space limit for a worker process.
WORKER_AS_LIMIT = 8 << 30
RECURSION_LIMIT = 1000
DCMTK_TIMEOUT = 30

NATIVE_TS = {
    "1.2.840.10008.1.2",  # Implicit VR LE
    "1.2.840.10008.1.2.1",  # Explicit VR LE
    "1.2.840.10008.1.2.1.99",  # Deflated Explicit VR LE
    "1.2.840.10008.1.2.2",  # Explicit VR BE (retired)
}
RLE_TS = "1.2.840.10008.1.2.5"
# JPEG family handled by dcmdjpeg (processes 1..14).
DCMTK_JPEG_TS = {
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.52",
    "1.2.840.10008.1.2.4.53", "1.2.840.10008.1.2.4.54", "1.2.840.10008.1.2.4.55",
    "1.2.840.10008.1.2.4.56", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.58",
    "1.2.840.10008.1.2.4.59", "1.2.840.10008.1.2.4.60", "1.2.840.10008.1.2.4.61",
    "1.2.840.10008.1.2.4.62", "1.2.840.10008.1.2.4.63", "1.2.840.10008.1.2.4.64",
    "1.2.840.10008.1.2.4.65", "1.2.840.10008.1.2.4.66", "1.2.840.10008.1.2.4.70",
}
DCMTK_JPEGLS_TS = {"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"}

LOSSY_TS = {
    # JPEG lossy processes (baseline, extended, spectral selection, full progression...)
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.52",
    "1.2.840.10008.1.2.4.53", "1.2.840.10008.1.2.4.54", "1.2.840.10008.1.2.4.55",
    "1.2.840.10008.1.2.4.56", "1.2.840.10008.1.2.4.59", "1.2.840.10008.1.2.4.60",
    "1.2.840.10008.1.2.4.61", "1.2.840.10008.1.2.4.62", "1.2.840.10008.1.2.4.63",
    "1.2.840.10008.1.2.4.64",
    "1.2.840.10008.1.2.4.81",  # JPEG-LS near-lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000 (lossy allowed)
    "1.2.840.10008.1.2.4.93",  # JPEG 2000 Part 2 multi-component (lossy allowed)
    "1.2.840.10008.1.2.4.203",  # HTJ2K (lossy allowed)
    # MPEG2 / MPEG-4 / HEVC video
    "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.100.1",
    "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.101.1",
    "1.2.840.10008.1.2.4.102", "1.2.840.10008.1.2.4.102.1",
    "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.103.1",
    "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.104.1",
    "1.2.840.10008.1.2.4.105", "1.2.840.10008.1.2.4.105.1",
    "1.2.840.10008.1.2.4.106", "1.2.840.10008.1.2.4.106.1",
    "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108",
}

TS_NAMES = {
    "1.2.840.10008.1.2": "ImplicitVRLE",
    "1.2.840.10008.1.2.1": "ExplicitVRLE",
    "1.2.840.10008.1.2.1.99": "DeflatedExplicitVRLE",
    "1.2.840.10008.1.2.2": "ExplicitVRBE",
    "1.2.840.10008.1.2.5": "RLE",
    "1.2.840.10008.1.2.4.50": "JPEGBaseline8",
    "1.2.840.10008.1.2.4.51": "JPEGExtended12",
    "1.2.840.10008.1.2.4.53": "JPEGProc6_8",
    "1.2.840.10008.1.2.4.55": "JPEGProc10_12",
    "1.2.840.10008.1.2.4.57": "JPEGLossless14",
    "1.2.840.10008.1.2.4.70": "JPEGLosslessSV1",
    "1.2.840.10008.1.2.4.80": "JPEG-LS-Lossless",
    "1.2.840.10008.1.2.4.81": "JPEG-LS-NearLossless",
    "1.2.840.10008.1.2.4.90": "J2K-Lossless",
    "1.2.840.10008.1.2.4.91": "J2K",
    "1.2.840.10008.1.2.4.201": "HTJ2K-Lossless",
    "1.2.840.10008.1.2.4.202": "HTJ2K-LosslessRPCL",
    "1.2.840.10008.1.2.4.203": "HTJ2K",
}

PIXEL_DATA = 0x7FE00010
FLOAT_PIXEL_DATA = 0x7FE00008
DOUBLE_FLOAT_PIXEL_DATA = 0x7FE00009
PIXEL_PADDING_VALUE = 0x00280120
PIXEL_PADDING_RANGE_LIMIT = 0x00280121


class GdcmDecodeError(Exception):
    """GDCM's own decode path reports failure (pydicom did not notice)."""


class Refused(Exception):
    """A file that is deliberately not decoded; carries the reason string."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------
# helpers


def _first(value):
    """First value of a possibly multi-valued element value."""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return value[0] if len(value) else None
    return value


def _int_attr(ds, keyword, default=None):
    if keyword not in ds:
        return default
    try:
        v = _first(ds[keyword].value)
    except Exception:
        return default
    if v is None or v == "":
        return default
    try:
        return int(v)
    except Exception:
        try:
            return int(float(v))
        except Exception:
            return default


def _float_attr(ds, keyword, default):
    if ds is None or keyword not in ds:
        return default
    try:
        v = _first(ds[keyword].value)
        if v is None or v == "":
            return default
        return float(v)
    except Exception:
        return default


def _str_attr(ds, keyword):
    if keyword not in ds:
        return None
    try:
        v = _first(ds[keyword].value)
    except Exception:
        return None
    if v is None:
        return None
    v = str(v).strip()
    return v or None


def _padding_int(elem, signed, little_endian):
    """PixelPaddingValue / RangeLimit as a 16-bit int with the given signedness."""
    if elem is None:
        return None
    v = elem.value
    if isinstance(v, (bytes, bytearray)):
        if len(v) < 2:
            return None
        fmt = ("<" if little_endian else ">") + ("h" if signed else "H")
        return struct.unpack(fmt, bytes(v[:2]))[0]
    v = _first(v)
    if v is None or v == "":
        return None
    v = int(v)
    if signed and v >= 0x8000:
        v -= 0x10000
    elif not signed and v < 0:
        v += 0x10000
    return v


def _sha256(arr, dtype):
    return hashlib.sha256(np.ascontiguousarray(arr, dtype=dtype).tobytes()).hexdigest()


def _finite_or_none(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _round4(x):
    x = float(x)
    if not math.isfinite(x):
        return None
    r = round(x, 4)
    return 0.0 if r == 0 else r  # avoid "-0.0"


def stored_values(raw, bits_allocated, bits_stored, pixel_rep):
    """Mask raw decoded samples to BitsStored and sign-extend (int64 result)."""
    a = np.asarray(raw)
    if a.dtype.kind == "f":
        raise Refused("float-pixel-data")
    if a.dtype.kind in "iu" and a.dtype.itemsize > 1:
        # Unsigned view of the same bits, native byte order.
        a = a.astype(a.dtype.newbyteorder("="), copy=False)
        a = a.view(np.dtype("u%d" % a.dtype.itemsize))
    elif a.dtype.kind == "i":
        a = a.view(np.uint8)
    elif a.dtype.kind == "b":
        a = a.astype(np.uint8)
    v = a.astype(np.int64)
    bs = bits_stored
    v &= (1 << bs) - 1
    if pixel_rep == 1:
        sign = 1 << (bs - 1)
        v = (v ^ sign) - sign
    return v


def rescale_per_frame(ds, nframes):
    """List of (slope, intercept) per frame, following functional groups."""
    top = (_float_attr(ds, "RescaleSlope", 1.0), _float_attr(ds, "RescaleIntercept", 0.0))

    def pvt(item):
        try:
            seq = item.get("PixelValueTransformationSequence")
            if seq:
                return seq[0]
        except Exception:
            pass
        return None

    shared = None
    try:
        sfg = ds.get("SharedFunctionalGroupsSequence")
        if sfg:
            shared = pvt(sfg[0])
    except Exception:
        shared = None
    base = top
    if shared is not None:
        base = (_float_attr(shared, "RescaleSlope", 1.0), _float_attr(shared, "RescaleIntercept", 0.0))
    out = [base] * nframes
    try:
        pfg = ds.get("PerFrameFunctionalGroupsSequence")
    except Exception:
        pfg = None
    if pfg:
        for i in range(min(nframes, len(pfg))):
            item = pvt(pfg[i])
            if item is not None:
                out[i] = (_float_attr(item, "RescaleSlope", 1.0), _float_attr(item, "RescaleIntercept", 0.0))
    return out


def grid_means(frame, pad_mask):
    rows_idx = np.array_split(np.arange(frame.shape[0]), 16)
    cols_idx = np.array_split(np.arange(frame.shape[1]), 16)
    out = []
    for ri in rows_idx:
        row = []
        for ci in cols_idx:
            if len(ri) == 0 or len(ci) == 0:
                row.append(None)
                continue
            cell = frame[ri[0]:ri[-1] + 1, ci[0]:ci[-1] + 1]
            keep = ~pad_mask[ri[0]:ri[-1] + 1, ci[0]:ci[-1] + 1]
            if not keep.any():
                row.append(None)
            else:
                row.append(_round4(cell[keep].astype(np.float64).mean()))
        out.append(row)
    return out


def gdcm_native_stored(path, dtype, n, bits_stored, pixel_rep):
    """Decode the file with GDCM's own reader (ImageReader +
    ImageChangeTransferSyntax to explicit VR LE).  Returns stored values
    (int64, first n samples) or None when GDCM reports failure."""
    import gdcm

    reader = gdcm.ImageReader()
    reader.SetFileName(str(path))
    if not reader.Read():
        return None
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.ExplicitVRLittleEndian))
    change.SetInput(reader.GetImage())
    if not change.Change():
        return None
    buf = change.GetOutput().GetBuffer().encode("utf-8", "surrogateescape")
    dt = np.dtype(dtype).newbyteorder("<")
    if len(buf) < n * dt.itemsize:
        return np.zeros(0, dtype=np.int64)
    arr = np.frombuffer(buf[:n * dt.itemsize], dtype=dt)
    return stored_values(arr, dt.itemsize * 8, bits_stored, pixel_rep)


# --------------------------------------------------------------------------
# dcmtk cross-check


def dcmtk_stored(path, ts, bits_stored, pixel_rep):
    """Decompress with dcmtk and return stored values (int64) or None."""
    if ts in DCMTK_JPEG_TS:
        tool = "dcmdjpeg"
    elif ts in DCMTK_JPEGLS_TS:
        tool = "dcmdjpls"
    elif ts == RLE_TS:
        tool = "dcmdrle"
    else:
        return None, None
    exe = shutil.which(tool)
    if exe is None:
        return None, None
    import pydicom
    from pydicom.pixel_data_handlers import numpy_handler

    with tempfile.TemporaryDirectory(prefix="dcmtk_ref_") as tmp:
        out = os.path.join(tmp, "out.dcm")
        try:
            r = subprocess.run([exe, "-q", str(path), out], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=DCMTK_TIMEOUT)
        except Exception:
            return None, tool
        if r.returncode != 0 or not os.path.exists(out):
            return None, tool
        try:
            d2 = pydicom.dcmread(out, force=True)
            raw = numpy_handler.get_pixeldata(d2)
            ba = _int_attr(d2, "BitsAllocated")
            return stored_values(raw, ba, bits_stored, pixel_rep), tool
        except Exception:
            return None, tool


# --------------------------------------------------------------------------
# per-file work (runs in a worker process)


def process_file(path, stage):
    """Return the fixture entry for one file.  `stage` is a shared int:
    0 = parsing, 1 = decoding (used to name timeouts / crashes)."""
    import pydicom
    from pydicom.pixel_data_handlers import gdcm_handler, numpy_handler, rle_handler
    from pydicom.pixel_data_handlers.util import apply_modality_lut

    warnings.simplefilter("ignore")
    entry = {"transferSyntax": None, "sizeBytes": os.path.getsize(path), "gdcmUsed": False}

    with open(path, "rb") as f:
        head = f.read(132)
    has_magic = len(head) >= 132 and head[128:132] == b"DICM"

    # ---- parse
    stage.value = 0
    try:
        ds = pydicom.dcmread(str(path), force=True)
    except Exception as exc:  # noqa: BLE001
        # Still try to report the transfer syntax from the file meta alone.
        try:
            from pydicom.filereader import read_file_meta_info
            meta = read_file_meta_info(str(path))
            ts = meta.get("TransferSyntaxUID")
            entry["transferSyntax"] = str(ts) if ts else None
        except Exception:
            pass
        if isinstance(exc, pydicom.errors.InvalidDicomError):
            entry.update(status="error", reason="not-dicom")
            return entry
        entry.update(status="error", reason="parse-failed: %s" % type(exc).__name__)
        return entry

    meta_ts = ds.file_meta.get("TransferSyntaxUID") if getattr(ds, "file_meta", None) is not None else None
    entry["transferSyntax"] = str(meta_ts) if meta_ts else None

    try:
        n_elems = len(ds)
        known = any(pydicom.datadict.dictionary_has_tag(t) for t in list(ds.keys())[:64])
    except Exception as exc:  # noqa: BLE001  (lazy parsing errors)
        entry.update(status="error", reason="parse-failed: %s" % type(exc).__name__)
        return entry
    if not has_magic and not meta_ts and (n_elems == 0 or not known):
        # No DICM magic, no file meta and nothing pydicom recognises.
        entry.update(status="error", reason="not-dicom")
        return entry

    # Effective transfer syntax for decoding (inferred when no file meta).
    if meta_ts:
        ts = str(meta_ts)
    else:
        if ds.is_little_endian is False:
            ts = "1.2.840.10008.1.2.2"
        elif ds.is_implicit_VR is False:
            ts = "1.2.840.10008.1.2.1"
        else:
            ts = "1.2.840.10008.1.2"
        ds.file_meta.TransferSyntaxUID = ts
        entry["inferredTransferSyntax"] = ts

    # ---- pixel-data checks
    stage.value = 1
    dcmtk_ctx = None
    try:
        if PIXEL_DATA not in ds:
            if FLOAT_PIXEL_DATA in ds or DOUBLE_FLOAT_PIXEL_DATA in ds:
                raise Refused("float-pixel-data")
            raise Refused("no-pixel-data")
        try:
            pd_value = ds.PixelData
        except Exception:
            pd_value = b""
        if not pd_value:
            raise Refused("no-pixel-data")  # element present but empty

        rows = _int_attr(ds, "Rows")
        cols = _int_attr(ds, "Columns")
        spp = _int_attr(ds, "SamplesPerPixel", 1)
        photometric = _str_attr(ds, "PhotometricInterpretation")
        frames = _int_attr(ds, "NumberOfFrames", 1) or 1
        ba = _int_attr(ds, "BitsAllocated")
        bs = _int_attr(ds, "BitsStored", ba)
        pr = _int_attr(ds, "PixelRepresentation")

        if spp != 1 or (photometric is not None and photometric not in ("MONOCHROME1", "MONOCHROME2")):
            entry.update(rows=rows, cols=cols, photometric=photometric, samplesPerPixel=spp)
            raise Refused("colour")

        if rows and cols and ba:
            decoded = rows * cols * frames * spp * max(ba, 1) // 8
            if decoded > MAX_DECODED_BYTES:
                entry.update(rows=rows, cols=cols, frames=frames)
                raise Refused("image-too-large")

        if ts in NATIVE_TS:
            handler = numpy_handler
        elif ts == RLE_TS:
            handler = rle_handler
        elif gdcm_handler.supports_transfer_syntax(ts):
            handler = gdcm_handler
            if not gdcm_handler.is_available():
                raise Refused("unsupported-ts")
        else:
            dcmtk_ctx = (ts, bs, pr, rows, cols, frames)
            raise Refused("unsupported-ts")

        if handler is numpy_handler and rows and cols and ba:
            expected = (rows * cols * frames * spp * ba + 7) // 8
            try:
                actual = len(ds.PixelData)
            except Exception:
                actual = None
            if actual is not None and actual < expected:
                raise Refused("truncated")

        # ---- decode (no fallback between handlers)
        dcmtk_ctx = (ts, bs, pr, rows, cols, frames)
        entry["gdcmUsed"] = handler is gdcm_handler
        raw = handler.get_pixeldata(ds)
        # Masking / sign extension below always uses the header values.
        if rows is None or cols is None or ba is None or pr is None or bs is None:
            raise AttributeError("missing image pixel attribute")
        if bs < 1 or bs > ba:
            raise ValueError("BitsStored %r invalid for BitsAllocated %r" % (bs, ba))
        raw = np.asarray(raw).reshape(-1)
        n = frames * rows * cols
        if raw.size < n:
            raise ValueError("decoded %d samples, expected %d" % (raw.size, n))
        raw = raw[:n]
        stored = stored_values(raw, ba, bs, pr).reshape(frames, rows, cols)
        if handler is gdcm_handler:
            # pydicom's GDCM handler does not check whether GDCM's decode
            # succeeded: on failure it returns whatever is in the buffer
            # (zeros or uninitialised memory).  Re-decode natively with GDCM
            # and refuse the result when GDCM itself reports failure.
            native = gdcm_native_stored(path, raw.dtype, n, bs, pr)
            if native is None:
                raise GdcmDecodeError("GDCM reports the decode failed")
            native_diff = int(np.abs(native - stored.reshape(-1)).max()) if native.size == n else None
            if native_diff != 0:
                entry["gdcmNativeMaxAbsDiff"] = native_diff

        entry.update(
            status="ok", rows=rows, cols=cols, frames=frames, bitsAllocated=ba,
            bitsStored=bs, pixelRepresentation=pr, photometric=photometric,
            lossy=ts in LOSSY_TS,
        )
        if stored.min() < -(1 << 31) or stored.max() >= (1 << 31):
            entry["storedInt32Wrapped"] = True
        entry["storedSha256"] = _sha256(stored, "<i4")
        entry["storedMin"] = int(stored.min())
        entry["storedMax"] = int(stored.max())

        # ---- modality values
        if ds.get("ModalityLUTSequence"):
            modality = np.asarray(apply_modality_lut(stored, ds), dtype=np.float64)
            entry["rescale"] = {"lut": True}
        else:
            per_frame = rescale_per_frame(ds, frames)
            modality = np.empty(stored.shape, dtype=np.float64)
            for i, (slope, intercept) in enumerate(per_frame):
                modality[i] = stored[i].astype(np.float64) * slope + intercept
            entry["rescale"] = {"slope": per_frame[0][0], "intercept": per_frame[0][1]}
            if len(set(per_frame)) > 1:
                entry["rescalePerFrame"] = True

        # ---- padding
        signed = pr == 1
        little = ds.is_little_endian is not False
        ppv = _padding_int(ds.get(PIXEL_PADDING_VALUE), signed, little)
        lim = _padding_int(ds.get(PIXEL_PADDING_RANGE_LIMIT), signed, little)
        if ppv is None:
            pad = np.zeros(stored.shape, dtype=bool)
        elif lim is None:
            pad = stored == ppv
        else:
            lo, hi = min(ppv, lim), max(ppv, lim)
            pad = (stored >= lo) & (stored <= hi)
        if ppv is not None:
            entry["pixelPaddingValue"] = ppv
        if lim is not None:
            entry["pixelPaddingRangeLimit"] = lim
        entry["paddingCount"] = int(pad.sum())

        keep = modality[~pad]
        if keep.size:
            entry["huMin"] = _finite_or_none(keep.min())
            entry["huMax"] = _finite_or_none(keep.max())
            entry["huMean"] = _finite_or_none(keep.mean())
            entry["huStd"] = _finite_or_none(keep.std())
        else:
            entry.update(huMin=None, huMax=None, huMean=None, huStd=None)

        f32 = modality.astype("<f4")
        bits = f32.view("<u4")
        bits[pad] = 0x7FC00000
        entry["huSha256"] = hashlib.sha256(f32.tobytes()).hexdigest()
        entry["grid"] = grid_means(modality[0], pad[0])

        add_dcmtk(entry, path, dcmtk_ctx, stored)
        return entry
    except Refused as r:
        entry.update(status="error", reason=r.reason)
        if r.reason == "unsupported-ts":
            add_dcmtk(entry, path, dcmtk_ctx, None)
        return entry
    except Exception as exc:  # noqa: BLE001
        entry.update(status="error", reason="decode-failed: %s" % type(exc).__name__)
        if os.environ.get("REF_FIXTURES_DEBUG"):
            traceback.print_exc()
        add_dcmtk(entry, path, dcmtk_ctx, None)
        return entry


def add_dcmtk(entry, path, ctx, stored):
    """dcmtk cross-check (silently skipped when not applicable or failing)."""
    if ctx is None:
        return
    ts, bs, pr, rows, cols, frames = ctx
    try:
        d_stored, tool = dcmtk_stored(path, ts, bs, pr)
        if d_stored is None:
            return
        d_stored = d_stored.reshape(-1)
        if rows and cols and frames and d_stored.size != rows * cols * frames:
            return
        entry["dcmtkTool"] = tool
        entry["dcmtkStoredSha256"] = _sha256(d_stored, "<i4")
        if stored is not None:
            entry["dcmtkMaxAbsDiff"] = int(np.abs(d_stored - stored.reshape(-1)).max())
    except Exception:
        pass


def _worker(path, conn, stage):
    try:
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_AS_LIMIT, WORKER_AS_LIMIT))
    except Exception:
        pass
    sys.setrecursionlimit(RECURSION_LIMIT)
    if not os.environ.get("REF_FIXTURES_DEBUG"):
        # GDCM / OpenJPEG / CharLS print diagnostics straight to fd 2.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    try:
        entry = process_file(path, stage)
    except BaseException as exc:  # noqa: BLE001
        entry = {"transferSyntax": None, "sizeBytes": os.path.getsize(path), "gdcmUsed": False,
                 "status": "error",
                 "reason": "%s-failed: %s" % ("parse" if stage.value == 0 else "decode", type(exc).__name__)}
    conn.send(entry)
    conn.close()


def _fallback_meta_ts(path):
    """Transfer syntax from the file meta only (used after a worker died)."""
    try:
        import pydicom.filereader
        meta = pydicom.filereader.read_file_meta_info(str(path))
        ts = meta.get("TransferSyntaxUID")
        return str(ts) if ts else None
    except Exception:
        return None


def run_all(files, data_root, jobs, timeout, verbose=False):
    ctx = mp.get_context("fork")
    results = {}
    pending = list(files)
    running = {}  # key -> (proc, conn, stage, start)
    while pending or running:
        while pending and len(running) < jobs:
            rel = pending.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            stage = ctx.Value("i", 0)
            p = ctx.Process(target=_worker, args=(data_root / rel, child, stage), daemon=True)
            p.start()
            child.close()
            running[rel] = (p, parent, stage, time.monotonic())
        done = []
        for rel, (p, conn, stage, start) in running.items():
            entry = None
            if conn.poll(0):
                try:
                    entry = conn.recv()
                except EOFError:
                    entry = None
                if entry is not None:
                    p.join(5)
                    if p.is_alive():
                        p.kill()
                        p.join()
                    results[rel] = entry
                    done.append(rel)
                    continue
            elapsed = time.monotonic() - start
            if not p.is_alive() and not conn.poll(0) or elapsed > timeout:
                what = "Timeout" if p.is_alive() else "WorkerCrash"
                if p.is_alive():
                    p.kill()
                p.join()
                path = data_root / rel
                results[rel] = {
                    "transferSyntax": _fallback_meta_ts(path), "sizeBytes": path.stat().st_size,
                    "gdcmUsed": False, "status": "error",
                    "reason": "%s-failed: %s" % ("parse" if stage.value == 0 else "decode", what),
                }
                done.append(rel)
        for rel in done:
            running[rel][1].close()
            del running[rel]
            e = results[rel]
            if verbose:
                print("  %-6s %-28s %s" % (e["status"], e.get("reason", ""), rel),
                      file=sys.stderr)
        if running and not done:
            time.sleep(0.02)
    return results


# --------------------------------------------------------------------------
# output


def dump_fixture(results):
    """Indented JSON with sorted keys; each grid row is written on one line."""
    grids = {}
    doc = {}
    for i, key in enumerate(sorted(results)):
        e = dict(results[key])
        if "grid" in e:
            ph = "@@GRID%d@@" % i
            grids[ph] = e["grid"]
            e["grid"] = ph
        doc[key] = e
    text = json.dumps(doc, indent=1, sort_keys=True, allow_nan=False)
    for ph, grid in grids.items():
        rows = ",\n   ".join(json.dumps(r, separators=(",", ":"), allow_nan=False) for r in grid)
        text = text.replace('"%s"' % ph, "[\n   " + rows + "\n  ]")
    return text + "\n"


def summary(results):
    lines = []
    status = Counter(
        e["status"] if e["status"] == "ok" else "error: " + e["reason"] for e in results.values()
    )
    lines.append("\nStatus / reason                          files")
    lines.append("---------------------------------------- -----")
    for k, v in sorted(status.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append("%-40s %5d" % (k, v))
    lines.append("%-40s %5d" % ("total", len(results)))

    by_ts = {}
    for e in results.values():
        ts = e.get("transferSyntax")
        name = "none (no file meta)" if ts is None else "%s %s" % (TS_NAMES.get(ts, "?"), ts)
        c = by_ts.setdefault(name, Counter())
        c["files"] += 1
        c["ok" if e["status"] == "ok" else "error"] += 1
        if e.get("gdcmUsed"):
            c["gdcm"] += 1
        if "dcmtkStoredSha256" in e:
            c["dcmtk"] += 1
            if "storedSha256" in e and e["dcmtkStoredSha256"] != e["storedSha256"]:
                c["dcmtkDiff"] += 1
    lines.append("\nTransfer syntax                                  files   ok  err gdcm dcmtk dcmtk!=")
    lines.append("------------------------------------------------ ----- ---- ---- ---- ----- -------")
    for name, c in sorted(by_ts.items(), key=lambda kv: (-kv[1]["files"], kv[0])):
        lines.append("%-48s %5d %4d %4d %4d %5d %7d" % (
            name, c["files"], c["ok"], c["error"], c["gdcm"], c["dcmtk"], c["dcmtkDiff"]))

    diffs = [(k, e) for k, e in sorted(results.items())
             if "dcmtkStoredSha256" in e and "storedSha256" in e
             and e["dcmtkStoredSha256"] != e["storedSha256"]]
    if diffs:
        lines.append("\npydicom(+gdcm/rle) vs dcmtk stored-value mismatches:")
        for k, e in diffs:
            lines.append("  maxAbsDiff=%s lossy=%s %s" % (e.get("dcmtkMaxAbsDiff"), e.get("lossy"), k))
    only = [(k, e) for k, e in sorted(results.items())
            if "dcmtkStoredSha256" in e and e["status"] != "ok"]
    if only:
        lines.append("\ndecoded by dcmtk only (pydicom refused or failed):")
        for k, e in only:
            lines.append("  %-28s %s %s" % (e["reason"], e["dcmtkTool"], k))
    native = [(k, e) for k, e in sorted(results.items()) if "gdcmNativeMaxAbsDiff" in e]
    if native:
        lines.append("\npydicom gdcm handler vs GDCM's own reader differ:")
        for k, e in native:
            lines.append("  maxAbsDiff=%s %s" % (e["gdcmNativeMaxAbsDiff"], k))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--verbose", action="store_true", help="print one line per file")
    ap.add_argument("paths", nargs="*", help="restrict to these paths (relative to data root)")
    args = ap.parse_args()

    data_root = args.data_root.resolve()
    if args.paths:
        files = sorted(args.paths)
    else:
        files = []
        for sub in SUBDIRS:
            for p in sorted((data_root / sub).rglob("*")):
                if p.is_file() and p.name != "SOURCES.md":
                    files.append(p.relative_to(data_root).as_posix())
    t0 = time.monotonic()
    results = run_all(files, data_root, max(1, args.jobs), args.timeout, args.verbose)
    out = args.out or (None if args.paths else DEFAULT_OUT)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        text = dump_fixture(results)
        out.write_text(text)
        print("wrote %s (%d entries, %.1f KiB) in %.1f s" % (
            out, len(results), len(text.encode()) / 1024, time.monotonic() - t0))
    else:
        for k in sorted(results):
            e = dict(results[k])
            e.pop("grid", None)
            print(k, json.dumps(e, sort_keys=True))
    print(summary(results))


if __name__ == "__main__":
    main()
