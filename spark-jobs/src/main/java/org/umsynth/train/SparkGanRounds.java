package org.umsynth.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.umsynth.model.gan.GanInputs;
import org.umsynth.model.gan.GanNetworks;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.gan.GanTrainer;
import org.umsynth.model.gan.GanTrainer.Batch;
import org.umsynth.model.train.TrainingPair;
import scala.Tuple2;

/**
 * One round of the GAN on Spark (design A of SPEC/STACK): K minibatches per worker of the chosen pairs,
 * first a D phase, then a G phase, each a {@link SparkComputationGraph} fit with a
 * {@link ParameterAveragingTrainingMaster} ({@code Direct} approach, data never repartitioned, storage
 * {@code MEMORY_ONLY}, updater state averaged and kept).
 *
 * <ol>
 *   <li>D phase: executors generate fakes with the broadcast current G and build D's minibatches
 *       ({@link GanTrainer#discriminatorData}); D is fitted.</li>
 *   <li>D's new parameters are copied into the frozen D of the combined graph (driver).</li>
 *   <li>G phase: executors build the combined graph's minibatches ({@link GanTrainer#generatorData}): manual
 *       labels, or pseudo-labels of the broadcast G snapshot under D's confidence mask, or none; the combined
 *       graph is fitted with the pass's segmentation weight.</li>
 *   <li>G's new parameters are copied from the combined graph into the driver's generator.</li>
 * </ol>
 *
 * <p>Which pairs go where is fixed by their order in the round: minibatch {@code j} holds positions
 * {@code j*B .. j*B+B-1} and goes to partition {@code j mod workers}, sorted by position; with the
 * per-fit seeds this makes a round a function of the networks, the pairs and the seed.
 */
public final class SparkGanRounds {
    /** What the G phase does with segmentation. */
    public enum Pass {
        /** Manual labels, weight {@code segWeightLabelled}. */
        LABELLED,
        /** Pseudo-labels of the G snapshot, counted where D's upsampled output > 0.5; weight {@code segWeightPseudo}. */
        PSEUDO_LABELLED,
        /** No segmentation term (unlabelled pairs without the semi-supervised pass). */
        IMAGE_ONLY
    }

    /** Spark scores of the two phases (each the workers' average), the sample count and the wall time. */
    public record RoundScores(double discriminator, double generatorTotal, int samples, double seconds) {}

    private final JavaSparkContext sc;
    private final GanProfile profile;
    private final ComputationGraph generator;
    private final ComputationGraph discriminator;
    private final ComputationGraph combined;
    private final int workers;
    private final int roundBatches;
    private final int averagingFrequency;
    private final String exportDirectory;

    /**
     * @param generator       the driver's generator, refreshed from {@code combined} after every G phase
     * @param exportDirectory DL4J's export folder, on the data file system
     */
    public SparkGanRounds(JavaSparkContext sc, GanProfile profile, ComputationGraph generator,
            ComputationGraph discriminator, ComputationGraph combined, int workers, int roundBatches,
            int averagingFrequency, String exportDirectory) {
        this.sc = sc;
        this.profile = profile;
        this.generator = generator;
        this.discriminator = discriminator;
        this.combined = combined;
        this.workers = workers;
        this.roundBatches = roundBatches;
        this.averagingFrequency = averagingFrequency;
        this.exportDirectory = exportDirectory;
    }

    /** Pairs per round: workers x K x batch. */
    public int roundSize() {
        return workers * roundBatches * profile.batchSize();
    }

    /**
     * Runs one round on {@code chunk} (pair indices in their round order).
     *
     * @param pseudoLabeller the frozen G snapshot of the epoch (only for {@link Pass#PSEUDO_LABELLED})
     * @param fitSeed        seeds DL4J's split of the data, if any
     */
    public RoundScores round(org.apache.spark.api.java.JavaPairRDD<Long, TrainingPair> pairs, long[] chunk, Pass pass,
            ComputationGraph pseudoLabeller, double learningRate, long fitSeed, String roundId) {
        long start = System.nanoTime();
        int batch = profile.batchSize();
        Map<Long, Integer> position = new HashMap<>();
        for (int i = 0; i < chunk.length; i++) {
            position.put(chunk[i], i);
        }
        int minibatches = (chunk.length + batch - 1) / batch;
        int parts = Math.max(1, Math.min(workers, minibatches));
        GanProfile p = profile;
        JavaRDD<List<TrainingPair>> minibatchRdd = pairs
                .filter(t -> position.containsKey(t._1()))
                .mapToPair(t -> new Tuple2<>(position.get(t._1()), t._2()))
                .repartitionAndSortWithinPartitions(new MinibatchPartitioner(parts, batch))
                .mapPartitions(it -> toMinibatches(it, batch))
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            discriminator.setLearningRate(learningRate);
            combined.setLearningRate(learningRate);

            // (1) D phase
            Broadcast<NetworkSnapshot> g = sc.broadcast(NetworkSnapshot.of(roundId + "-g",
                    NetworkSnapshot.Kind.GENERATOR, p, generator));
            JavaRDD<MultiDataSet> dData = minibatchRdd.map(mb -> {
                Batch b = batchOf(p, mb);
                INDArray fake = g.value().network().output(false, b.condition())[0];
                return (MultiDataSet) GanTrainer.discriminatorData(p, b, fake);
            });
            SparkComputationGraph dNet = new SparkComputationGraph(sc, discriminator, master(2 * batch, fitSeed,
                    discriminator));
            dNet.fitMultiDataSet(dData);
            double dScore = dNet.getScore();
            dData.unpersist(false); // in case the training master cached it (MEMORY_ONLY)
            g.destroy();

            // (2) the frozen D of the combined graph follows
            GanNetworks.copyParameters(discriminator, combined, GanNetworks::isDiscriminatorLayer);

            // (3) G phase
            Broadcast<NetworkSnapshot> snapshot = null;
            Broadcast<NetworkSnapshot> d = null;
            if (pass == Pass.PSEUDO_LABELLED) {
                snapshot = sc.broadcast(NetworkSnapshot.of(roundId + "-p", NetworkSnapshot.Kind.GENERATOR, p,
                        java.util.Objects.requireNonNull(pseudoLabeller, "pseudoLabeller")));
                d = sc.broadcast(NetworkSnapshot.of(roundId + "-d", NetworkSnapshot.Kind.DISCRIMINATOR, p,
                        discriminator));
            }
            Broadcast<NetworkSnapshot> snapshotB = snapshot;
            Broadcast<NetworkSnapshot> dB = d;
            JavaRDD<MultiDataSet> gData = minibatchRdd.map(mb -> (MultiDataSet) GanTrainer.generatorData(p,
                    generatorBatch(p, mb, pass, snapshotB, dB)));
            GanNetworks.setSegmentationWeight(combined, switch (pass) {
                case LABELLED -> p.segWeightLabelled();
                case PSEUDO_LABELLED -> p.segWeightPseudo();
                case IMAGE_ONLY -> 0.0;
            });
            SparkComputationGraph gNet = new SparkComputationGraph(sc, combined, master(batch, fitSeed + 1, combined));
            gNet.fitMultiDataSet(gData);
            double gScore = gNet.getScore();
            gData.unpersist(false);
            if (snapshot != null) {
                snapshot.destroy();
                d.destroy();
            }

            // (4) the driver's generator follows
            GanNetworks.copyParameters(combined, generator, GanNetworks::isGeneratorLayer);
            return new RoundScores(dScore, gScore, chunk.length, (System.nanoTime() - start) / 1e9);
        } finally {
            minibatchRdd.unpersist(false);
        }
    }

    private ParameterAveragingTrainingMaster master(int examplesPerObject, long seed, ComputationGraph network) {
        return averagingMaster(workers, examplesPerObject, averagingFrequency, exportDirectory, seed, network);
    }

    /**
     * The project's parameter-averaging set-up for {@code workers} partitions of minibatches of {@code batch}:
     * {@code Direct} approach (no export files on a non-HDFS default FS), data never repartitioned (the
     * partitioner fixed which minibatch goes where), {@code MEMORY_ONLY}, updater state averaged and kept, and the
     * workers' copies counting iterations on from {@code network}'s ({@link WorkerIterationHook}) and on the fast
     * training paths ({@link FastTrainingHook}).
     */
    public static ParameterAveragingTrainingMaster averagingMaster(int workers, int batch, int averagingFrequency,
            String exportDirectory, long seed, ComputationGraph network) {
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(workers, batch)
                .batchSizePerWorker(batch)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartionData(Repartition.Never)
                .storageLevel(StorageLevel.MEMORY_ONLY())
                .saveUpdater(true)
                .exportDirectory(exportDirectory)
                .rngSeed(seed)
                .collectTrainingStats(false)
                .build();
        master.addHook(WorkerIterationHook.at(network));
        master.addHook(new FastTrainingHook());
        return master;
    }

    /** Groups a partition's (position, item) records, sorted by position, into minibatches of {@code batch} positions. */
    public static <T> Iterator<List<T>> toMinibatches(Iterator<Tuple2<Integer, T>> it, int batch) {
        List<List<T>> out = new ArrayList<>();
        List<T> current = new ArrayList<>();
        int currentBatch = -1;
        while (it.hasNext()) {
            Tuple2<Integer, T> t = it.next();
            int j = t._1() / batch;
            if (j != currentBatch && !current.isEmpty()) {
                out.add(current);
                current = new ArrayList<>();
            }
            currentBatch = j;
            current.add(t._2());
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out.iterator();
    }

    /** Condition and real image of a minibatch of pairs; manual labels when every pair has one. */
    static Batch batchOf(GanProfile p, List<TrainingPair> pairs) {
        int side = p.resolution();
        List<float[]> cond = new ArrayList<>();
        List<float[]> real = new ArrayList<>();
        for (TrainingPair t : pairs) {
            cond.add(t.input());
            real.add(t.image());
        }
        INDArray c = GanInputs.batch(cond, p.inputChannels(), side, side);
        INDArray r = GanInputs.batch(real, 1, side, side);
        if (pairs.stream().allMatch(TrainingPair::labelled)) {
            List<float[]> labels = new ArrayList<>();
            pairs.forEach(t -> labels.add(GanInputs.oneHot(t.label(), p.classes())));
            return Batch.labelled(p, c, r, GanInputs.batch(labels, p.classes(), side, side));
        }
        return Batch.imageOnly(c, r);
    }

    private static Batch generatorBatch(GanProfile p, List<TrainingPair> pairs, Pass pass,
            Broadcast<NetworkSnapshot> snapshot, Broadcast<NetworkSnapshot> d) {
        Batch b = batchOf(p, pairs);
        return switch (pass) {
            case LABELLED -> {
                if (b.segLabels() == null) {
                    throw new IllegalStateException("an unlabelled pair in the labelled pass");
                }
                yield b;
            }
            case IMAGE_ONLY -> Batch.imageOnly(b.condition(), b.realImage());
            case PSEUDO_LABELLED -> {
                INDArray[] out = snapshot.value().network().output(false, b.condition());
                INDArray confidence = GanTrainer.confidenceMask(p, d.value().network(), b.condition(), out[0], 0.5);
                yield Batch.pseudoLabelled(p, b.condition(), b.realImage(), GanTrainer.pseudoLabels(out[1]),
                        confidence);
            }
        };
    }

    /** Minibatch {@code position / batch} to partition {@code minibatch mod partitions}. */
    static final class MinibatchPartitioner extends Partitioner {
        private final int partitions;
        private final int batch;

        MinibatchPartitioner(int partitions, int batch) {
            this.partitions = partitions;
            this.batch = batch;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return ((Integer) key / batch) % partitions;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MinibatchPartitioner m && m.partitions == partitions && m.batch == batch;
        }

        @Override
        public int hashCode() {
            return partitions * 31 + batch;
        }
    }
}
