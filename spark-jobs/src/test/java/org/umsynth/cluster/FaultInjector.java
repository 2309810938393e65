package org.umsynth.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.testing.LocalCluster;

/**
 * A driver-side listener that watches tasks and, when armed, SIGKILLs a JVM the moment the N-th task of the
 * first matching stage is launched: the executor the task went to, or the driver itself. The trigger is a
 * scheduler event (not a timer), so the kill lands while the stage runs; {@link #failedTasks()} then shows
 * whether it did.
 *
 * <p>In the test's own driver it is added with {@code addSparkListener}; in a child driver through
 * {@code spark.extraListeners} with the settings below ({@code spark.umsynth.test.fault.*}), reporting to a
 * file since the child's memory dies with it.
 */
public final class FaultInjector extends SparkListener {
    public static final String PREFIX = "spark.umsynth.test.fault.";

    /** Whom the trigger kills. */
    public enum Target {
        NONE, EXECUTOR, DRIVER
    }

    private static final Logger LOG = LoggerFactory.getLogger(FaultInjector.class);

    private final Target target;
    private final String stageName;
    private final int minTasks;
    private final int taskOrdinal;
    private final Path report;

    private final Map<Integer, String> stageNames = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> stageTasks = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> launches = new ConcurrentHashMap<>();
    private final Set<String> taskExecutors = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failedTasks = new AtomicInteger();
    private final AtomicInteger succeededTasks = new AtomicInteger();
    private final AtomicInteger executorsAdded = new AtomicInteger();
    private final AtomicInteger executorsRemoved = new AtomicInteger();
    private volatile boolean fired;
    private volatile String killedExecutor;
    private volatile long killedPid = -1;
    private volatile String killedStage;
    private volatile String error;

    /**
     * @param stageName   a fragment of the stage's name or long call site, e.g. {@code TableStore$Transaction.write}
     * @param minTasks    only stages with at least this many tasks
     * @param taskOrdinal kill at this task launch of the stage (1-based)
     */
    public FaultInjector(Target target, String stageName, int minTasks, int taskOrdinal, Path report) {
        this.target = target;
        this.stageName = stageName;
        this.minTasks = minTasks;
        this.taskOrdinal = taskOrdinal;
        this.report = report;
    }

    /** An observer that kills nothing. */
    public static FaultInjector observer() {
        return new FaultInjector(Target.NONE, "", 0, 0, null);
    }

    /** For {@code spark.extraListeners}. */
    public FaultInjector(SparkConf conf) {
        this(Target.valueOf(conf.get(PREFIX + "target", "NONE")), conf.get(PREFIX + "stage", ""),
                conf.getInt(PREFIX + "minTasks", 1), conf.getInt(PREFIX + "taskOrdinal", 1),
                conf.contains(PREFIX + "report") ? Path.of(conf.get(PREFIX + "report")) : null);
    }

    /** The settings that make a child driver install this listener. */
    public static Map<String, String> childSettings(Target target, String stageName, int minTasks, int taskOrdinal,
            Path report) {
        return Map.of("spark.extraListeners", FaultInjector.class.getName(), PREFIX + "target", target.name(),
                PREFIX + "stage", stageName, PREFIX + "minTasks", Integer.toString(minTasks),
                PREFIX + "taskOrdinal", Integer.toString(taskOrdinal), PREFIX + "report", report.toString());
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        // name and long call site: "parquet at TableStore.java:118" is both a table read and a write
        stageNames.put(event.stageInfo().stageId(), event.stageInfo().name() + "\n" + event.stageInfo().details());
        stageTasks.put(event.stageInfo().stageId(), event.stageInfo().numTasks());
        LOG.debug("stage {} '{}' ({} tasks) submitted", event.stageInfo().stageId(), event.stageInfo().name(),
                event.stageInfo().numTasks());
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart event) {
        taskExecutors.add(event.taskInfo().executorId());
        if (target == Target.NONE || fired) {
            return;
        }
        String name = stageNames.getOrDefault(event.stageId(), "");
        if (!name.contains(stageName) || stageTasks.getOrDefault(event.stageId(), 0) < minTasks) {
            return;
        }
        int n = launches.computeIfAbsent(event.stageId(), k -> new AtomicInteger()).incrementAndGet();
        if (n != taskOrdinal) {
            return;
        }
        fired = true;
        killedStage = name.lines().findFirst().orElse("");
        if (target == Target.EXECUTOR) {
            String executor = event.taskInfo().executorId();
            Optional<ProcessHandle> process = LocalCluster.executorProcess(ProcessHandle.current(), executor);
            if (process.isEmpty()) {
                error = "no process found for executor " + executor;
                LOG.error(error);
                return;
            }
            killedExecutor = executor;
            killedPid = process.get().pid();
            process.get().destroyForcibly(); // SIGKILL
            LOG.warn("killed executor {} (pid {}) at task {} of stage '{}'", executor, killedPid, n, killedStage);
            write("killed executor " + executor + " pid " + killedPid + " stage " + killedStage);
        } else {
            long self = ProcessHandle.current().pid();
            write("killing driver pid " + self + " stage " + killedStage + " task " + n);
            try {
                // the JVM cannot SIGKILL itself through ProcessHandle
                new ProcessBuilder("kill", "-9", Long.toString(self)).inheritIO().start().waitFor();
            } catch (IOException e) {
                error = "could not kill the driver: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        if (event.reason() == Success$.MODULE$) {
            succeededTasks.incrementAndGet();
        } else {
            failedTasks.incrementAndGet();
            LOG.info("task {} of stage {} failed: {}", event.taskInfo().taskId(), event.stageId(), event.reason());
        }
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded event) {
        executorsAdded.incrementAndGet();
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved event) {
        executorsRemoved.incrementAndGet();
    }

    private void write(String line) {
        if (report == null) {
            return;
        }
        try {
            Files.writeString(report, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            LOG.error("could not write {}", report, e);
        }
    }

    public boolean fired() {
        return fired;
    }

    public int failedTasks() {
        return failedTasks.get();
    }

    public int succeededTasks() {
        return succeededTasks.get();
    }

    public int executorsAdded() {
        return executorsAdded.get();
    }

    public int executorsRemoved() {
        return executorsRemoved.get();
    }

    /** Executor ids that ran tasks. */
    public Set<String> taskExecutors() {
        return Set.copyOf(taskExecutors);
    }

    public String killedExecutor() {
        return killedExecutor;
    }

    public long killedPid() {
        return killedPid;
    }

    public String killedStage() {
        return killedStage;
    }

    public String error() {
        return error;
    }
}
