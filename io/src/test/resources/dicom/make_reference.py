"""Decodes DICOM fixtures with pydicom and writes the reference HU arrays used by the Java tests.

For each NAME.dcm: NAME.hu.raw (int16 little-endian, rows x cols, row-major, frame after frame,
HU = pixel_array * RescaleSlope + RescaleIntercept, as stored: no reorientation) and NAME.json
(shape, slope, intercept, spacing, orientation, position, modality, pydicom version).
"""
import json
import sys

import numpy as np
import pydicom


def main(paths):
    for path in paths:
        ds = pydicom.dcmread(path)
        pixels = ds.pixel_array  # RLE decodes with pydicom's built-in numpy RLE handler
        slope = float(getattr(ds, "RescaleSlope", 1.0))
        intercept = float(getattr(ds, "RescaleIntercept", 0.0))
        hu = pixels.astype(np.float64) * slope + intercept
        if not np.all(hu == np.round(hu)) or hu.min() < -32768 or hu.max() > 32767:
            raise SystemExit(f"{path}: HU not representable as int16")
        stem = path[: -len(".dcm")]
        hu.astype("<i2").tofile(stem + ".hu.raw")
        meta = {
            "source": path,
            "pydicom": pydicom.__version__,
            "transfer_syntax": str(ds.file_meta.TransferSyntaxUID),
            "shape": list(pixels.shape),
            "rows": int(ds.Rows),
            "cols": int(ds.Columns),
            "slope": slope,
            "intercept": intercept,
            "pixel_spacing": [float(v) for v in ds.PixelSpacing] if "PixelSpacing" in ds else None,
            "slice_thickness": float(ds.SliceThickness) if "SliceThickness" in ds else None,
            "image_orientation": [float(v) for v in ds.ImageOrientationPatient] if "ImageOrientationPatient" in ds else None,
            "image_position": [float(v) for v in ds.ImagePositionPatient] if "ImagePositionPatient" in ds else None,
            "modality": str(ds.Modality),
            "bits_allocated": int(ds.BitsAllocated),
            "bits_stored": int(ds.BitsStored),
            "pixel_representation": int(ds.PixelRepresentation),
            "pixel_padding_value": int(ds.PixelPaddingValue) if "PixelPaddingValue" in ds else None,
            "hu_min": int(hu.min()),
            "hu_max": int(hu.max()),
            "hu_sum": int(hu.sum()),
        }
        with open(stem + ".json", "w") as f:
            json.dump(meta, f, indent=1)
            f.write("\n")
        print(stem, meta["shape"], meta["transfer_syntax"], meta["hu_min"], meta["hu_max"])


if __name__ == "__main__":
    main(sys.argv[1:])
