package org.umsynth.model.features;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J {@link ComputationGraph} with one NCHW 3-channel input and one [n, d] pooled output used as
 * a {@link FeatureExtractor}. Images run in batches of {@code batchSize}; inference only (no
 * dropout, batch norm in inference mode), so every image's features are independent of its batch.
 */
public final class GraphFeatureExtractor implements FeatureExtractor {
    private final ComputationGraph graph;
    private final String name;
    private final String description;
    private final int dimension;
    private final boolean standard;
    private final int batchSize;

    public GraphFeatureExtractor(ComputationGraph graph, String name, String description, int dimension,
                                 boolean standard, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        this.graph = graph;
        this.name = name;
        this.description = description;
        this.dimension = dimension;
        this.standard = standard;
        this.batchSize = batchSize;
    }

    public GraphFeatureExtractor withBatchSize(int newBatchSize) {
        return new GraphFeatureExtractor(graph, name, description, dimension, standard, newBatchSize);
    }

    public ComputationGraph graph() { return graph; }

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
            float[] nchw = new float[n * 3 * pixels];
            for (int i = 0; i < n; i++) {
                float[] img = images[start + i];
                if (img.length != pixels) {
                    throw new IllegalArgumentException("image " + (start + i) + " has " + img.length
                            + " pixels, expected " + resolution + "x" + resolution);
                }
                for (int c = 0; c < 3; c++) {
                    System.arraycopy(img, 0, nchw, (i * 3 + c) * pixels, pixels);
                }
            }
            INDArray input = Nd4j.create(nchw, new long[]{n, 3, resolution, resolution}, 'c').castTo(DataType.FLOAT);
            INDArray features;
            synchronized (graph) {
                features = graph.outputSingle(false, input);
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
}
