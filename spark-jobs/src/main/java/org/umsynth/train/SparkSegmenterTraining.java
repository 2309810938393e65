package org.umsynth.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.model.seg.SegAugment;
import org.umsynth.model.seg.SegSample;
import org.umsynth.model.seg.SegmentationUNet;
import org.umsynth.model.seg.UNetSpec;
import scala.Tuple2;

/**
 * Trains one segmentation U-Net on Spark with DL4J parameter averaging ({@link SparkComputationGraph} +
 * {@link ParameterAveragingTrainingMaster}; {@code Direct} approach, data never repartitioned by DL4J,
 * {@code MEMORY_ONLY} storage, Adam state averaged and kept), as the GAN rounds do.
 *
 * <p>The budget is {@code iterations} minibatches of {@code batch} slices. The sample order is a
 * function of the seed alone: position {@code p} of the run holds pool index {@code order[p]}, from
 * successive seeded permutations of the pool (epochs), and is augmented with the transform drawn from
 * {@code (seed, p)}, so two arms with the same seed see the same transforms in the same places. One Spark
 * fit covers {@code workers x averagingFrequency} minibatches (one averaging): minibatch {@code j} goes to
 * partition {@code j mod workers}.
 */
public final class SparkSegmenterTraining {
    private static final Logger LOG = LoggerFactory.getLogger(SparkSegmenterTraining.class);

    /** The trained network, driver-side scores of a fixed probe batch before and after, Spark fits, time. */
    public record Result(ComputationGraph network, double initialScore, double finalScore, int fits, double seconds) {}

    private SparkSegmenterTraining() {}

    /**
     * @param pool  samples indexed {@code 0 .. poolSize-1}, persisted and partitioned
     * @param probe a few samples kept on the driver: the loss is scored there, never through Spark before the
     *              first fit (STACK.md)
     * @param maxShift augmentation shift in pixels; negative: no augmentation
     */
    public static Result train(JavaSparkContext sc, JavaPairRDD<Long, SegSample> pool, long poolSize,
            List<SegSample> probe, UNetSpec spec, long seed, int iterations, int batch, int workers,
            int averagingFrequency, int maxShift, String exportDirectory) {
        if (poolSize < 1) {
            throw new IllegalArgumentException("no training slices");
        }
        long start = System.nanoTime();
        ComputationGraph net = SegmentationUNet.create(spec, seed);
        DataSet probeBatch = SegSample.dataSet(probe, spec.classes());
        double initial = net.score(probeBatch);
        long[] order = order(poolSize, (long) iterations * batch, seed);
        int perFit = workers * averagingFrequency * batch;
        int fits = 0;
        for (int from = 0; from < order.length; from += perFit) {
            int to = Math.min(order.length, from + perFit);
            Map<Long, List<Integer>> positions = new HashMap<>();
            for (int p = from; p < to; p++) {
                positions.computeIfAbsent(order[p], k -> new ArrayList<>()).add(p - from);
            }
            int minibatches = (to - from + batch - 1) / batch;
            int parts = Math.max(1, Math.min(workers, minibatches));
            Broadcast<Map<Long, List<Integer>>> positionsB = sc.broadcast(positions);
            int offset = from;
            JavaRDD<List<SegSample>> minibatchRdd = pool
                    .filter(t -> positionsB.value().containsKey(t._1()))
                    .flatMapToPair(t -> {
                        List<Tuple2<Integer, SegSample>> out = new ArrayList<>();
                        for (int local : positionsB.value().get(t._1())) {
                            SegSample s = t._2();
                            if (maxShift >= 0) {
                                s = SegAugment.apply(s, SegAugment.draw(augmentSeed(seed, offset + local), maxShift));
                            }
                            out.add(new Tuple2<>(local, s));
                        }
                        return out.iterator();
                    })
                    .repartitionAndSortWithinPartitions(new SparkGanRounds.MinibatchPartitioner(parts, batch))
                    .mapPartitions(it -> SparkGanRounds.toMinibatches(it, batch))
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());
            int classes = spec.classes();
            JavaRDD<DataSet> data = minibatchRdd.map(mb -> SegSample.dataSet(mb, classes));
            try {
                ParameterAveragingTrainingMaster master = SparkGanRounds.averagingMaster(parts, batch, averagingFrequency,
                        exportDirectory, seed + fits, net);
                new SparkComputationGraph(sc, net, master).fit(data);
                fits++;
            } finally {
                data.unpersist(false); // in case the training master cached it (MEMORY_ONLY)
                minibatchRdd.unpersist(false);
                positionsB.destroy();
            }
        }
        double last = net.score(probeBatch);
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("segmenter seed {}: {} iterations in {} Spark fits, probe loss {} -> {}, {} s", seed, iterations, fits,
                initial, last, seconds);
        return new Result(net, initial, last, fits, seconds);
    }

    /** Pool indices of every position: successive seeded permutations of {@code 0..poolSize-1}. */
    static long[] order(long poolSize, long length, long seed) {
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("training budget of " + length + " slices is too large");
        }
        long[] out = new long[(int) length];
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        long[] perm = new long[(int) Math.min(poolSize, Integer.MAX_VALUE)];
        int filled = 0;
        while (filled < out.length) {
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            for (int i = perm.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                long t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            int take = Math.min(perm.length, out.length - filled);
            System.arraycopy(perm, 0, out, filled, take);
            filled += take;
        }
        return out;
    }

    /** The augmentation seed of a run position: the same in every arm for the same run seed. */
    static long augmentSeed(long seed, long position) {
        return seed * 0x9E3779B97F4A7C15L + position * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
    }
}
