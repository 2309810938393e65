package org.umsynth.model.features;

import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.model.seg.SegmentationUNet;
import org.umsynth.model.seg.UNetSpec;

/**
 * A CT-task feature extractor (SPEC section 5): the encoder of a segmentation U-Net trained by the
 * {@code utility} stage ({@code models/<arm>-seed<k>.zip}), features = the global average pool of its
 * bottleneck ({@code baseFilters * 2^depth} values). Input is the single grey channel on [-1, 1], the
 * scale the segmenter was trained on (HU window [-1500, 100], as {@link FeatureInput}); any resolution
 * that is a multiple of {@code 2^depth} (the network is fully convolutional, but its filters were
 * learnt at the training resolution). Named {@code segmenter_bottleneck_gap_<file>}; never standard.
 */
public final class SegmenterFeatures implements FeatureExtractor {
    public static final String PREFIX = "segmenter:";

    private final ComputationGraph segmenter;
    private final UNetSpec spec;
    private final String name;
    private final String description;
    private final int batchSize;
    private ComputationGraph encoder;
    private int encoderResolution = -1;

    private SegmenterFeatures(ComputationGraph segmenter, String location, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        this.segmenter = segmenter;
        this.spec = SegmentationUNet.specOf(segmenter);
        String file = location.substring(location.lastIndexOf('/') + 1).replaceFirst("\\.zip$", "");
        this.name = "segmenter_bottleneck_gap_" + file;
        this.description = "encoder of the umsynth segmentation U-Net " + location + " (trained at " + spec.resolution()
                + "x" + spec.resolution() + ", depth " + spec.depth() + "): global average pool of the bottleneck, "
                + spec.bottleneckChannels() + " features; a CT-task network, not the standard FID extractor";
        this.batchSize = batchSize;
    }

    /** Loads {@code models/*.zip} from a local path or any Hadoop file system URI. */
    public static SegmenterFeatures load(String location, int batchSize) throws IOException {
        ComputationGraph net;
        if (location.contains("://")) {
            Configuration conf = new Configuration();
            org.apache.hadoop.fs.Path path = HadoopPaths.qualify(location, conf);
            try (InputStream in = path.getFileSystem(conf).open(path)) {
                net = ModelSerializer.restoreComputationGraph(in, false);
            }
        } else {
            java.io.File file = new java.io.File(location);
            if (!file.isFile()) {
                throw new IOException("segmenter model " + location + " not found: train it with 'umsynth utility' "
                        + "(ROOT/utility/NAME/models/<arm>-seed<k>.zip)");
            }
            net = ModelSerializer.restoreComputationGraph(file, false);
        }
        return new SegmenterFeatures(net, location, batchSize);
    }

    @Override public String name() { return name; }

    @Override public String description() { return description; }

    @Override public int dimension() { return spec.bottleneckChannels(); }

    @Override public boolean standard() { return false; }

    @Override
    public double[][] extract(float[][] images, int resolution) {
        if (encoder == null || encoderResolution != resolution) {
            encoder = SegmentationUNet.encoderOf(segmenter, spec, resolution);
            encoderResolution = resolution;
        }
        int pixels = resolution * resolution;
        double[][] out = new double[images.length][];
        for (int start = 0; start < images.length; start += batchSize) {
            int n = Math.min(batchSize, images.length - start);
            float[] batch = new float[n * pixels];
            for (int i = 0; i < n; i++) {
                float[] img = images[start + i];
                if (img.length != pixels) {
                    throw new IllegalArgumentException("image " + (start + i) + " has " + img.length + " pixels, expected "
                            + resolution + "x" + resolution);
                }
                System.arraycopy(img, 0, batch, i * pixels, pixels);
            }
            INDArray x = Nd4j.create(batch, new long[]{n, 1, resolution, resolution}, 'c');
            INDArray f = encoder.outputSingle(false, x).castTo(DataType.DOUBLE);
            for (int i = 0; i < n; i++) {
                out[start + i] = f.getRow(i).toDoubleVector();
            }
        }
        return out;
    }
}
