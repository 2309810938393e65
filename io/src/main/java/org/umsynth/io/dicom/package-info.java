/**
 * A small, strict DICOM CT reader and writer with no third-party DICOM library.
 *
 * <p>{@link org.umsynth.io.dicom.DicomParser} reads one Part-10 file (implicit/explicit VR little
 * endian, RLE lossless) into a {@link org.umsynth.io.dicom.DicomFile} holding only allowlisted
 * technical attributes and Hounsfield units; {@link org.umsynth.io.dicom.DicomSeriesReader} groups
 * files into series and returns canonical LPS {@link org.umsynth.io.volume.Volume}s with per-file
 * rejections; {@link org.umsynth.io.dicom.DicomWriter} writes CT images as Part-10 files. Policies
 * (padding, MONOCHROME1, duplicates, fallbacks, reorientation) are documented on those classes.
 * De-identification is by construction: values of tags outside the allowlist are never decoded.
 */
package org.umsynth.io.dicom;
