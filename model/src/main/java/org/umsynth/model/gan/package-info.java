/**
 * The multi-task conditional GAN of the paper (SPEC section 4), without Spark.
 *
 * <ul>
 *   <li>{@link org.umsynth.model.gan.GanProfile}: sizes and constants ({@code paper()}, {@code demo()});
 *       {@link org.umsynth.model.train.Conditioning}: {@code um} (the method) or {@code seg} (the baseline).</li>
 *   <li>{@link org.umsynth.model.gan.GanNetworks}: the generator (two heads), the multi-scale PatchGAN and
 *       the combined G + frozen-D graph, as DL4J computation graphs sharing layer names.</li>
 *   <li>Custom layers missing from DL4J 1.0.0-M2.1: {@link org.umsynth.model.gan.InstanceNorm},
 *       {@link org.umsynth.model.gan.ReflectionPad2D}, {@link org.umsynth.model.gan.SameDiffConv2D}, all with
 *       {@link org.umsynth.model.gan.SameDiffGradientFix}.</li>
 *   <li>The fast CPU layers the networks use by default ({@code GanProfile.stockLayers} false), same functions
 *       and parameters as DL4J's / the SameDiff ones: {@link org.umsynth.model.gan.FastConvolution} and
 *       {@link org.umsynth.model.gan.FastDeconvolution2D} (Java im2col/col2im in {@code ConvGeometry} + BLAS
 *       sgemm; layers with at most 4 output channels without a column matrix: the unpadded stride-1 7x7 heads by
 *       {@code FlatConvolution} (loops C2 vectorises), others by {@code DirectConvolution}, and on ND4J's oneDNN
 *       build the heads by libnd4j's oneDNN {@code conv2d}, {@code NativeConvolution}),
 *       {@link org.umsynth.model.gan.FastInstanceNorm}, {@link org.umsynth.model.gan.FastReflectionPad2D},
 *       {@link org.umsynth.model.gan.FastActivation} (ReLU / LeakyReLU as SIMD selects on the off-heap arrays;
 *       {@code -Dumsynth.fastActivation=false} builds DL4J's {@code ActivationLayer});
 *       per-thread scratch arrays in {@code Scratch}. With JDK 17's Vector API ({@code --add-modules
 *       jdk.incubator.vector}, {@code Simd}; {@code -Dumsynth.simd=false} turns it off) the unpadded 7x7 stem and
 *       heads run as register-blocked SIMD convolutions ({@code VectorConvolution}), the PatchGAN's last layers
 *       vectorised over channels ({@code ChannelVectorConvolution}) and the instance norms' sums as vector
 *       reductions ({@code VectorReductions}). The combined graph's frozen D is wrapped in
 *       {@link org.umsynth.model.gan.FrozenWithInputGradient}: its fast layers compute only the input gradient.
 *       Measured in {@code bench/gan/README.md}: a demo GAN step 7-12x faster than with the stock layers.</li>
 *   <li>{@link org.umsynth.model.gan.FastAdam}: the networks' optimiser, DL4J's Adam with the step as a Java loop
 *       ({@code AdamKernel}; same results, JSON and state layout; {@code -Dumsynth.fastAdam=false} builds the
 *       stock Adam).</li>
 *   <li>Losses: {@link org.umsynth.model.gan.DiceCeLoss} (masked soft Dice + CE) and
 *       {@link org.umsynth.model.gan.PixelMeanLoss} (mean L1 / BCE per example).</li>
 *   <li>{@link org.umsynth.model.gan.GanTrainer}: one alternating step; pseudo-labels and the D-confidence
 *       mask for the semi-supervised pass. {@link org.umsynth.model.gan.GanInputs}: per-sample arrays (e.g. from
 *       {@link org.umsynth.model.train.TrainingPair}) to minibatches and back. The minibatches of both phases
 *       ({@code GanTrainer.discriminatorData}, {@code GanTrainer.generatorData}) are public static so Spark
 *       executors build exactly what the local trainer fits ({@code org.umsynth.train.SparkGanRounds}).</li>
 *   <li>{@link org.umsynth.model.gan.GanCheckpoint}: atomic checkpoints (G, D and combined zips with Adam state,
 *       the epoch's pseudo-labeller, a JSON state) and the {@code latest} pointer; synthesis loads
 *       {@code GanCheckpoint.loadGenerator}.</li>
 * </ul>
 *
 * <p>One epoch of the semi-supervised schedule with this API: for each labelled minibatch,
 * {@code trainer.step(Batch.labelled(...))}; then snapshot G ({@code trainer.generator().clone()}); for each
 * unlabelled minibatch, {@code probs = snapshot.output(false, cond)[1]},
 * {@code mask = trainer.confidenceMask(cond, snapshot.output(false, cond)[0], 0.5)},
 * {@code trainer.step(Batch.pseudoLabelled(p, cond, real, GanTrainer.pseudoLabels(probs), mask))}.
 */
package org.umsynth.model.gan;
