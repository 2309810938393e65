package org.umsynth.io.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.io.InvalidInputException;
import org.umsynth.io.deid.CaseIds;
import org.umsynth.io.dicom.DicomInput;
import org.umsynth.io.dicom.DicomReadResult;
import org.umsynth.io.dicom.DicomSeries;
import org.umsynth.io.dicom.DicomSeriesReader;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.io.nifti.NiftiReader;
import org.umsynth.io.nifti.NiftiVolume;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.io.volume.Volume;

/**
 * Reads one {@link InputUnit} (a NIfTI file or a DICOM folder, plus its label volume) from a
 * Hadoop file system and turns it into {@code slices} rows, or into {@link Rejection}s naming the
 * file and the reason. Never throws for bad input: a batch must finish the rest.
 */
public final class VolumeIngestor implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(VolumeIngestor.class);

    /** What one unit produced. */
    public record Outcome(List<IngestedSlice> slices, List<Rejection> rejections, int volumes, List<String> warnings)
            implements Serializable {
    }

    private final IngestSettings settings;

    public VolumeIngestor(IngestSettings settings) {
        this.settings = settings;
    }

    public Outcome ingest(FileSystem fs, Path imagesRoot, FileSystem labelsFs, Path labelsRoot, InputUnit unit) {
        List<IngestedSlice> slices = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        int volumes = 0;
        try {
            List<SourcedVolume> found = switch (unit.kind()) {
                case NIFTI -> List.of(readNifti(fs, imagesRoot, unit, warnings));
                case DICOM_FOLDER -> readDicomFolder(fs, imagesRoot, unit, rejections, warnings);
            };
            Volume label = null;
            if (unit.label() != null && !found.isEmpty()) {
                label = readLabel(labelsFs, labelsRoot, unit.label(), warnings);
            }
            for (SourcedVolume sv : found) {
                try {
                    Volume checkedLabel = label == null ? null : checkLabel(sv, label, unit.label());
                    slices.addAll(toSlices(sv, checkedLabel));
                    volumes++;
                } catch (InvalidInputException e) {
                    rejections.add(new Rejection(e.source(), e.reason()));
                }
            }
        } catch (InvalidInputException e) {
            rejections.add(new Rejection(e.source(), e.reason()));
        } catch (IOException | RuntimeException e) {
            // An unexpected failure is still this input's problem, not the batch's.
            LOG.warn("unexpected failure reading {}: {}", unit.source(), e.toString());
            rejections.add(new Rejection(unit.source(), "unreadable: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        } catch (OutOfMemoryError e) {
            rejections.add(new Rejection(unit.source(), "too large for the executor's memory; raise executor memory or ingest.maxVoxels"));
        }
        return new Outcome(slices, rejections, volumes, warnings);
    }

    /** A volume with the relative source it came from and the SHA-256 of its bytes. */
    private record SourcedVolume(String source, String sha256, Volume volume) {
    }

    private SourcedVolume readNifti(FileSystem fs, Path root, InputUnit unit, List<String> warnings) throws IOException {
        Path path = HadoopPaths.resolve(root, unit.source());
        checkSize(unit.source(), unit.bytes());
        MessageDigest sha = sha256();
        NiftiVolume nifti;
        try (InputStream raw = fs.open(path);
             DigestInputStream in = new DigestInputStream(new BufferedInputStream(raw, 1 << 16), sha)) {
            nifti = NiftiReader.read(in, unit.source(), unit.bytes(), settings.maxVoxels());
            in.transferTo(java.io.OutputStream.nullOutputStream()); // hash the whole file, trailing bytes included
        }
        nifti.warnings().forEach(w -> warnings.add(unit.source() + ": " + w));
        return new SourcedVolume(unit.source(), HexFormat.of().formatHex(sha.digest()), nifti.volume());
    }

    private List<SourcedVolume> readDicomFolder(FileSystem fs, Path root, InputUnit unit, List<Rejection> rejections,
                                                List<String> warnings) throws IOException {
        List<DicomInput> inputs = new ArrayList<>();
        for (String file : unit.files()) {
            Path path = HadoopPaths.resolve(root, file);
            long length = fs.getFileStatus(path).getLen();
            if (length > settings.maxFileBytes()) {
                rejections.add(new Rejection(file, "file of " + length + " bytes exceeds ingest.maxFileBytes " + settings.maxFileBytes()));
                continue;
            }
            byte[] bytes = new byte[(int) length];
            try (InputStream in = fs.open(path)) {
                in.readNBytes(bytes, 0, bytes.length);
            }
            inputs.add(new DicomInput(file, bytes));
        }
        java.util.Map<String, byte[]> bytesByFile = new java.util.HashMap<>();
        inputs.forEach(in -> bytesByFile.put(in.source(), in.bytes()));
        DicomReadResult result = DicomSeriesReader.read(inputs, settings.maxVoxels());
        result.rejected().forEach(e -> rejections.add(new Rejection(e.source(), e.reason())));
        List<SourcedVolume> volumes = new ArrayList<>();
        List<DicomSeries> series = result.series();
        for (int k = 0; k < series.size(); k++) {
            DicomSeries s = series.get(k);
            s.warnings().forEach(w -> warnings.add(unit.source() + ": " + w));
            // The folder names the case; a folder with several series gets one case per series,
            // numbered (not named by the series UID, which would be linkable).
            String source = series.size() == 1 ? unit.source() : unit.source() + "#series" + (k + 1);
            // The series hash: SHA-256 over the sorted files' own SHA-256 digests.
            MessageDigest sha = sha256();
            s.sourceFiles().stream().sorted().forEach(f -> sha.update(sha256().digest(bytesByFile.get(f))));
            volumes.add(new SourcedVolume(source.isEmpty() ? "." : source, HexFormat.of().formatHex(sha.digest()), s.volume()));
        }
        return volumes;
    }

    private Volume readLabel(FileSystem fs, Path root, String relative, List<String> warnings) throws IOException {
        Path path = HadoopPaths.resolve(root, relative);
        long length = fs.getFileStatus(path).getLen();
        checkSize("labels/" + relative, length);
        try (InputStream in = new BufferedInputStream(fs.open(path), 1 << 16)) {
            NiftiVolume nifti = NiftiReader.read(in, "labels/" + relative, length, settings.maxVoxels());
            nifti.warnings().forEach(w -> warnings.add("labels/" + relative + ": " + w));
            return nifti.volume();
        }
    }

    private Volume checkLabel(SourcedVolume image, Volume label, String labelSource) throws InvalidInputException {
        String source = "labels/" + labelSource;
        Volume v = image.volume();
        if (label.cols() != v.cols() || label.rows() != v.rows() || label.slices() != v.slices()) {
            throw new InvalidInputException(image.source(), "label " + source + " grid " + label.cols() + "x" + label.rows()
                    + "x" + label.slices() + " does not match the image grid " + v.cols() + "x" + v.rows() + "x" + v.slices());
        }
        if (!label.sameGrid(v)) {
            throw new InvalidInputException(image.source(), "label " + source + " spacing " + spacing(label)
                    + " does not match the image spacing " + spacing(v));
        }
        for (float value : label.voxels()) {
            if (!(value >= 0 && value < settings.classes() && value == Math.rint(value))) {
                throw new InvalidInputException(image.source(), "label " + source + " has value " + value
                        + ", outside the classes 0.." + (settings.classes() - 1));
            }
        }
        return label;
    }

    private List<IngestedSlice> toSlices(SourcedVolume sv, Volume label) throws InvalidInputException {
        Volume v = sv.volume();
        float[] voxels = v.voxels();
        // The readers reject all-NaN volumes; non-finite voxels left are outside a reconstruction.
        float min = Float.POSITIVE_INFINITY;
        for (float value : voxels) {
            if (Float.isFinite(value)) {
                min = Math.min(min, value);
            }
        }
        if (min >= settings.ctAirThresholdHu()) {
            throw new InvalidInputException(sv.source(), String.format(java.util.Locale.ROOT,
                    "not CT Hounsfield units: no voxel below %.0f HU (minimum %.1f), so no air; wrong modality (MR, PET) or unscaled data?",
                    settings.ctAirThresholdHu(), min));
        }
        String caseId = CaseIds.caseId(settings.caseIdSecret(), sv.source());
        String split = CaseIds.unitInterval(caseId) < settings.testFraction() ? "test" : "train";
        int n = v.sliceSize();
        List<IngestedSlice> out = new ArrayList<>(v.slices());
        for (int z = 0; z < v.slices(); z++) {
            int base = z * n;
            byte[] hu = PixelCodec.encodeHu(voxels, base, n);
            byte[] lab = null;
            if (label != null) {
                lab = new byte[n];
                float[] lv = label.voxels();
                for (int i = 0; i < n; i++) {
                    lab[i] = (byte) (int) lv[base + i];
                }
            }
            out.add(new IngestedSlice(caseId, z, v.rows(), v.cols(), v.spacingX(), v.spacingY(), v.spacingZ(),
                    hu, lab, sv.source(), sv.sha256(), split));
        }
        return out;
    }

    private void checkSize(String source, long bytes) throws InvalidInputException {
        if (bytes == 0) {
            throw new InvalidInputException(source, "empty file (0 bytes)");
        }
        if (bytes > settings.maxFileBytes()) {
            throw new InvalidInputException(source, "file of " + bytes + " bytes exceeds ingest.maxFileBytes " + settings.maxFileBytes());
        }
    }

    private static String spacing(Volume v) {
        return String.format(java.util.Locale.ROOT, "%.3fx%.3fx%.3f", v.spacingX(), v.spacingY(), v.spacingZ());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
