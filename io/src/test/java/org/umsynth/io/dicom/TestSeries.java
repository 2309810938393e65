package org.umsynth.io.dicom;

import org.umsynth.io.volume.Volume;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Writes one known physical volume as a DICOM series in any axis-aligned orientation, so that a
 * reader that reorients correctly must return the same canonical volume whatever the storage.
 */
final class TestSeries {
    final int[] size;          // patient x (R->L), y (A->P), z (F->H) in voxels
    final double[] spacing;    // mm along x, y, z
    final double[] origin = {-100.0, -120.0, -300.0};
    double[] row = {1, 0, 0};
    double[] col = {0, 1, 0};
    String seriesUid = "1.2.826.0.1.3680043.10.1453.9.1";
    TransferSyntax syntax = TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN;
    boolean instanceNumbersAgainstPosition;
    UnaryOperator<DicomWriter.CtImage> customise = UnaryOperator.identity();

    TestSeries(int x, int y, int z, double sx, double sy, double sz) {
        this.size = new int[] {x, y, z};
        this.spacing = new double[] {sx, sy, sz};
    }

    /** Distinct value per canonical voxel. */
    static int value(int x, int y, int z) { return 1000 * z + 10 * y + x - 500; }

    TestSeries orientation(double... rowThenCol) {
        row = new double[] {rowThenCol[0], rowThenCol[1], rowThenCol[2]};
        col = new double[] {rowThenCol[3], rowThenCol[4], rowThenCol[5]};
        return this;
    }

    private static int axisOf(double[] v) {
        int best = 0;
        for (int i = 1; i < 3; i++) {
            if (Math.abs(v[i]) > Math.abs(v[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Files named IM%04d by InstanceNumber, in a seeded random order. */
    List<DicomInput> write(long shuffleSeed) {
        double[] normal = {row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0]};
        double[][] axes = {row, col, normal};
        int[] axis = new int[3];
        int[] sign = new int[3];
        int[] fileSize = new int[3];
        int[] start = new int[3];
        for (int a = 0; a < 3; a++) {
            axis[a] = axisOf(axes[a]);
            sign[a] = axes[a][axis[a]] > 0 ? 1 : -1;
            fileSize[a] = size[axis[a]];
            start[axis[a]] = sign[a] > 0 ? 0 : size[axis[a]] - 1;
        }
        List<DicomInput> files = new ArrayList<>();
        for (int k = 0; k < fileSize[2]; k++) {
            int[] stored = new int[fileSize[0] * fileSize[1]];
            for (int j = 0; j < fileSize[1]; j++) {
                for (int i = 0; i < fileSize[0]; i++) {
                    int[] q = start.clone();
                    q[axis[0]] += sign[0] * i;
                    q[axis[1]] += sign[1] * j;
                    q[axis[2]] += sign[2] * k;
                    stored[j * fileSize[0] + i] = value(q[0], q[1], q[2]);
                }
            }
            // position of voxel (0,0) of slice k: along the (exact, maybe oblique) normal
            double[] position = new double[3];
            for (int p = 0; p < 3; p++) {
                position[p] = origin[p] + start[p] * spacing[p] + k * spacing[axis[2]] * normal[p];
            }
            int instance = instanceNumbersAgainstPosition ? fileSize[2] - k : k + 1;
            DicomWriter.CtImage image = new DicomWriter.CtImage(fileSize[1], fileSize[0], stored)
                    .transferSyntax(syntax)
                    .seriesInstanceUid(seriesUid)
                    .sopInstanceUid(seriesUid + "." + instance)
                    .instanceNumber(instance)
                    .imagePosition(position)
                    .imageOrientation(row[0], row[1], row[2], col[0], col[1], col[2])
                    .pixelSpacing(spacing[axis[1]], spacing[axis[0]])
                    .sliceThickness(spacing[axis[2]])
                    .rescaleSlope(1.0)
                    .rescaleIntercept(0.0);
            files.add(new DicomInput(String.format("IM%04d", instance), DicomWriter.write(customise.apply(image))));
        }
        Collections.shuffle(files, new Random(shuffleSeed));
        return files;
    }

    /** Asserts the volume is this test volume, canonical, voxel for voxel, with the right spacing. */
    void assertCanonical(Volume v) {
        assertEquals(size[0], v.cols(), "cols");
        assertEquals(size[1], v.rows(), "rows");
        assertEquals(size[2], v.slices(), "slices");
        assertEquals(spacing[0], v.spacingX(), 1e-6, "spacing x");
        assertEquals(spacing[1], v.spacingY(), 1e-6, "spacing y");
        assertEquals(spacing[2], v.spacingZ(), 1e-6, "spacing z");
        for (int z = 0; z < size[2]; z++) {
            for (int y = 0; y < size[1]; y++) {
                for (int x = 0; x < size[0]; x++) {
                    if (v.get(x, y, z) != value(x, y, z)) {
                        throw new AssertionError("voxel (" + x + "," + y + "," + z + "): expected " + value(x, y, z) + " but was " + v.get(x, y, z));
                    }
                }
            }
        }
    }
}
