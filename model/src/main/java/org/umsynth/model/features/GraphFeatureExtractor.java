package org.umsynth.model.features;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J {@link ComputationGraph} with one NCHW 3-channel input and one [n, d] pooled output, or an
 * {@link InferenceNet} (NHWC, the fast path for imported Keras/TF.js models), used as a {@link FeatureExtractor}. Images run in batches of {@code batchSize}; inference only (no
 * dropout, batch norm in inference mode), so every image's features are independent of its batch.
 */
public final class GraphFeatureExtractor implements FeatureExtractor {
    private final ComputationGraph graph;   // null when net is set
    private final InferenceNet net;         // null when graph is set
    private final String name;
    private final String description;
    private final int dimension;
    private final boolean standard;
    private final int batchSize;

    public GraphFeatureExtractor(ComputationGraph graph, String name, String description, int dimension,
                                 boolean standard, int batchSize) {
        this(graph, null, name, description, dimension, standard, batchSize);
    }

    public GraphFeatureExtractor(InferenceNet net, String name, String description, int dimension,
                                 boolean standard, int batchSize) {
        this(null, net, name, description, dimension, standard, batchSize);
    }

    private GraphFeatureExtractor(ComputationGraph graph, InferenceNet net, String name, String description, int dimension,
                                  boolean standard, int batchSize) {
        if ((graph == null) == (net == null)) {
            throw new IllegalArgumentException("give either a graph or an inference net");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        this.graph = graph;
        this.net = net;
        this.name = name;
        this.description = description;
        this.dimension = dimension;
        this.standard = standard;
        this.batchSize = batchSize;
    }

    public GraphFeatureExtractor withBatchSize(int newBatchSize) {
        return new GraphFeatureExtractor(graph, net, name, description, dimension, standard, newBatchSize);
    }

    /** The DL4J graph, or null when this extractor runs an {@link InferenceNet}. */
    public ComputationGraph graph() { return graph; }

    /** The inference net, or null when this extractor runs a DL4J graph. */
    public InferenceNet net() { return net; }

    @Override public String name() { return name; }

    @Override public String description() { return description; }

    @Override public int dimension() { return dimension; }

    @Override public boolean standard() { return standard; }

    @Override
    public double[][] extract(float[][] images, int resolution) {
        int pixels = resolution * resolution;
        double[][] out = new double[images.length][];
        for (int start = 0; start < images.length; start += batchSize) {
            int n = Math.min(batchSize, images.length - start);
            for (int i = 0; i < n; i++) {
                if (images[start + i].length != pixels) {
                    throw new IllegalArgumentException("image " + (start + i) + " has " + images[start + i].length
                            + " pixels, expected " + resolution + "x" + resolution);
                }
            }
            INDArray features;
            if (net != null) {
                features = net.output(greyToNhwc(images, start, n, resolution));
            } else {
                INDArray input = greyToNchw(images, start, n, resolution);
                synchronized (graph) {
                    features = graph.outputSingle(false, input);
                }
            }
            if (features.rank() != 2 || features.size(1) != dimension) {
                throw new IllegalStateException("extractor " + name + " returned shape "
                        + java.util.Arrays.toString(features.shape()) + ", expected [" + n + ", " + dimension + "]");
            }
            INDArray asDouble = features.castTo(DataType.DOUBLE);
            for (int i = 0; i < n; i++) {
                out[start + i] = asDouble.getRow(i).toDoubleVector();
            }
        }
        return out;
    }

    private static INDArray greyToNchw(float[][] images, int start, int n, int resolution) {
        int pixels = resolution * resolution;
        float[] nchw = new float[n * 3 * pixels];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                System.arraycopy(images[start + i], 0, nchw, (i * 3 + c) * pixels, pixels);
            }
        }
        return Nd4j.create(nchw, new long[]{n, 3, resolution, resolution}, 'c');
    }

    private static INDArray greyToNhwc(float[][] images, int start, int n, int resolution) {
        int pixels = resolution * resolution;
        float[] nhwc = new float[n * 3 * pixels];
        for (int i = 0; i < n; i++) {
            float[] img = images[start + i];
            int base = i * 3 * pixels;
            for (int p = 0; p < pixels; p++) {
                float v = img[p];
                nhwc[base + 3 * p] = v;
                nhwc[base + 3 * p + 1] = v;
                nhwc[base + 3 * p + 2] = v;
            }
        }
        return Nd4j.create(nhwc, new long[]{n, resolution, resolution, 3}, 'c');
    }
}
