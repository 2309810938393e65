package org.umsynth.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.umsynth.io.dicom.DicomWriter;
import org.umsynth.io.dicom.TransferSyntax;
import org.umsynth.io.nifti.NiftiDataType;
import org.umsynth.io.nifti.NiftiWriter;
import org.umsynth.io.volume.Volume;
import org.umsynth.model.phantom.ChestPhantom;
import org.umsynth.model.phantom.PhantomCase;
import org.umsynth.model.phantom.PhantomOptions;

/**
 * A folder of mixed good and bad CT inputs, as a hospital export might hold: phantom NIfTI volumes
 * with and without labels, a DICOM series carrying patient and institution names, the real DICOM
 * fixtures, and one file for each way an input can be broken. {@link #expectedReasons} maps each
 * bad input to a fragment its quarantine reason must contain.
 */
public final class IngestCorpus {
    public static final String PATIENT_NAME = "DOE^JANE";
    public static final String PATIENT_ID = "PID-0042-SECRET";
    public static final String INSTITUTION = "St Example Hospital";

    /** Relative sources that must be ingested, with their slice count. */
    public final Map<String, Integer> expectedVolumes = new LinkedHashMap<>();
    /** Relative sources that must be quarantined, with a fragment of the reason. */
    public final Map<String, String> expectedReasons = new LinkedHashMap<>();
    public final Path images;
    public final Path labels;

    private IngestCorpus(Path root) {
        this.images = root.resolve("images");
        this.labels = root.resolve("labels");
    }

    public static PhantomOptions smallPhantom() {
        return PhantomOptions.forGrid(64, 16);
    }

    /** The complete corpus (good and bad inputs). */
    public static IngestCorpus create(Path root) throws IOException {
        IngestCorpus c = new IngestCorpus(root);
        Files.createDirectories(c.images);
        Files.createDirectories(c.labels);
        c.addGood();
        c.addBad();
        return c;
    }

    /** Only good inputs: two labelled phantoms and a DICOM series. */
    public static IngestCorpus createGoodOnly(Path root) throws IOException {
        IngestCorpus c = new IngestCorpus(root);
        Files.createDirectories(c.images);
        Files.createDirectories(c.labels);
        c.addGood();
        return c;
    }

    private void addGood() throws IOException {
        PhantomOptions options = smallPhantom();
        PhantomCase a = ChestPhantom.generate(11, 0, options);
        nifti(images.resolve("good_a.nii.gz"), a.image(), NiftiDataType.INT16, true);
        nifti(labels.resolve("good_a.nii.gz"), a.label(), NiftiDataType.UINT8, true);
        expectedVolumes.put("good_a.nii.gz", a.image().slices());

        PhantomCase b = ChestPhantom.generate(11, 1, options);
        nifti(images.resolve("good_b.nii"), b.image(), NiftiDataType.FLOAT32, false);
        expectedVolumes.put("good_b.nii", b.image().slices());

        PhantomCase d = ChestPhantom.generate(11, 2, options);
        dicomSeries(images.resolve("dicom_series"), d.image(), 5);
        nifti(labels.resolve("dicom_series.nii.gz"), firstSlices(d.label(), 5), NiftiDataType.UINT8, true);
        expectedVolumes.put("dicom_series", 5);

        copyFixture("CT_small.dcm", images.resolve("ct_small/CT_small.dcm"));
        expectedVolumes.put("ct_small", 1);
        copyFixture("rle.dcm", images.resolve("rle/rle.dcm"));
        expectedVolumes.put("rle", 1);
    }

    private void addBad() throws IOException {
        PhantomCase a = ChestPhantom.generate(11, 3, smallPhantom());
        byte[] plain = niftiBytes(a.image(), NiftiDataType.INT16, false);
        byte[] gz = niftiBytes(a.image(), NiftiDataType.INT16, true);

        bad("bad/empty.nii", new byte[0], "empty");
        bad("bad/truncated.nii.gz", Arrays.copyOf(gz, gz.length / 2), "truncated");
        byte[] corrupt = gz.clone();
        for (int i = 40; i < 400 && i < corrupt.length; i++) {
            corrupt[i] = (byte) (corrupt[i] ^ 0x5A);
        }
        bad("bad/corrupt.nii.gz", corrupt, "corrupt gzip");
        bad("bad/lying_header.nii", patchDims(plain, 64, 64, 200), "ends after");
        bad("bad/absurd_dims.nii", patchDims(plain, 30000, 30000, 30000), "exceed the limit");
        bad("bad/zero_dim.nii", patchDims(plain, 64, 0, 16), "not positive");
        float[] nan = new float[64 * 64 * 16];
        Arrays.fill(nan, Float.NaN);
        bad("bad/all_nan.nii", niftiBytes(new Volume(64, 64, 16, 1, 1, 1, nan), NiftiDataType.FLOAT32, false), "NaN");
        float[] mr = new float[64 * 64 * 16];
        for (int i = 0; i < mr.length; i++) {
            mr[i] = (i * 37) % 1000;
        }
        bad("bad/mr_like.nii.gz", niftiBytes(new Volume(64, 64, 16, 1, 1, 3, mr), NiftiDataType.INT16, true), "not CT");
        bad("bad/picture.nii", pngBytes(), "not a NIfTI-1 file");

        PhantomCase m = ChestPhantom.generate(11, 4, smallPhantom());
        nifti(images.resolve("mismatch.nii.gz"), m.image(), NiftiDataType.INT16, true);
        nifti(labels.resolve("mismatch.nii.gz"), firstSlices(m.label(), 10), NiftiDataType.UINT8, true);
        expectedReasons.put("mismatch.nii.gz", "does not match the image grid");

        PhantomCase v = ChestPhantom.generate(11, 5, smallPhantom());
        float[] badLabel = v.label().voxels().clone();
        badLabel[123] = 7;
        nifti(images.resolve("label_values.nii.gz"), v.image(), NiftiDataType.INT16, true);
        nifti(labels.resolve("label_values.nii.gz"), new Volume(64, 64, v.label().slices(), v.label().spacingX(),
                v.label().spacingY(), v.label().spacingZ(), badLabel), NiftiDataType.UINT8, true);
        expectedReasons.put("label_values.nii.gz", "outside the classes");

        bad("notes/readme.txt", "exported by PACS on request 17\n".getBytes(), "not a DICOM Part-10 file");
        bad("mr_dicom/mr.dcm", DicomWriter.write(slice(a.image(), 8).modality("MR")), "not CT");
        bad("j2k/j2k.dcm", DicomWriter.write(slice(a.image(), 8).transferSyntaxUid("1.2.840.10008.1.2.4.91")), "JPEG 2000");
        nifti(labels.resolve("orphan.nii.gz"), a.label(), NiftiDataType.UINT8, true);
        expectedReasons.put("labels/orphan.nii.gz", "without an image");
    }

    private void bad(String relative, byte[] bytes, String reasonFragment) throws IOException {
        Path p = images.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        expectedReasons.put(relative, reasonFragment);
    }

    /** A 5-slice DICOM series (shuffled file names) with identifying tags that must never be stored. */
    private static void dicomSeries(Path folder, Volume volume, int slices) throws IOException {
        Files.createDirectories(folder);
        for (int z = 0; z < slices; z++) {
            DicomWriter.CtImage image = slice(volume, z)
                    .imagePosition(0, 0, z * volume.spacingZ())
                    .instanceNumber(z + 1)
                    .sopInstanceUid("2.25.1000" + z);
            // Names that sort in another order than the slices, as real exports do.
            Files.write(folder.resolve("IM" + ((z * 3) % slices) + ".dcm"), DicomWriter.write(image));
        }
    }

    private static DicomWriter.CtImage slice(Volume volume, int z) {
        float[] hu = volume.slice(z);
        int[] stored = DicomWriter.storedFromHu(hu, 1.0, -1024.0);
        return new DicomWriter.CtImage(volume.rows(), volume.cols(), stored)
                .transferSyntax(TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN)
                .modality("CT")
                .seriesInstanceUid("2.25.424242")
                .patientName(PATIENT_NAME)
                .patientId(PATIENT_ID)
                .institutionName(INSTITUTION)
                .imageOrientation(1, 0, 0, 0, 1, 0)
                .imagePosition(0, 0, z * volume.spacingZ())
                .pixelSpacing(volume.spacingY(), volume.spacingX())
                .sliceThickness(volume.spacingZ())
                .rescaleSlope(1.0)
                .rescaleIntercept(-1024.0);
    }

    private static Volume firstSlices(Volume v, int n) {
        return new Volume(v.cols(), v.rows(), n, v.spacingX(), v.spacingY(), v.spacingZ(),
                Arrays.copyOf(v.voxels(), v.sliceSize() * n));
    }

    private static void nifti(Path path, Volume v, NiftiDataType type, boolean gzip) throws IOException {
        Files.createDirectories(path.getParent());
        try (OutputStream out = Files.newOutputStream(path)) {
            NiftiWriter.write(v, type, out, gzip);
        }
    }

    private static byte[] niftiBytes(Volume v, NiftiDataType type, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        NiftiWriter.write(v, type, bytes, gzip);
        return bytes.toByteArray();
    }

    /** Rewrites dim[1..3] of an uncompressed little-endian NIfTI-1 header. */
    private static byte[] patchDims(byte[] plain, int x, int y, int z) {
        byte[] out = plain.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(42, (short) x);
        b.putShort(44, (short) y);
        b.putShort(46, (short) z);
        return out;
    }

    private static byte[] pngBytes() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png", out);
        return out.toByteArray();
    }

    private static void copyFixture(String name, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        // The io module's committed fixtures (surefire runs in the module folder).
        Files.copy(Path.of("../io/src/test/resources/dicom").resolve(name), target);
    }
}
