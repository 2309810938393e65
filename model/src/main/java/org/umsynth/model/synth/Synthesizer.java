package org.umsynth.model.synth;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.umsynth.model.gan.GanInputs;

/**
 * Batch inference of a trained generator: conditions in, annotated slices out (image in HU and
 * segmentation by argmax). One instance per executor JVM; not thread-safe (ND4J graphs are not).
 */
public final class Synthesizer {
    /** One synthetic slice: HU values and class labels, row-major {@code size x size}. */
    public record Output(float[] hu, byte[] seg) {
    }

    private final ComputationGraph generator;
    private final int size;
    private final int channels;

    public Synthesizer(ComputationGraph generator, int size, int channels) {
        this.generator = generator;
        this.size = size;
        this.channels = channels;
    }

    /** Runs the generator on channel-first conditions ({@code channels x size x size} each) as one batch. */
    public List<Output> generate(List<float[]> conditions) {
        for (float[] c : conditions) {
            if (c.length != channels * size * size) {
                throw new IllegalArgumentException("condition of " + c.length + " values is not " + channels + "x" + size
                        + "x" + size);
            }
        }
        INDArray batch = GanInputs.batch(conditions, channels, size, size);
        INDArray[] out = generator.output(false, batch);
        List<Output> outputs = new ArrayList<>(conditions.size());
        for (int i = 0; i < conditions.size(); i++) {
            float[] image = out[0].slice(i).dup('c').data().asFloat();
            outputs.add(new Output(GanInputs.hu(image), GanInputs.labels(out[1].slice(i))));
        }
        return outputs;
    }
}
