# Spark on Java 17 needs these module openings (the list Spark's own launcher adds), plus JDK 17's incubating
# Vector API, which umsynth's SIMD convolution kernels use (without it they fall back to scalar code), and one
# JavaCPP setting (below).
# Sourced by the launchers; keep in sync with spark.java17.opens in pom.xml.
UMSYNTH_JAVA17_OPENS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
  --add-modules=jdk.incubator.vector
  # JavaCPP's check of the process's physical memory reads /proc on every native allocation (ND4J makes thousands
  # per GAN step: ~4% of its time); its default limit is 4x the heap, which the container limits (YARN, Kubernetes:
  # spark.executor.memoryOverhead) enforce anyway. A later -D wins: UMSYNTH_ND4J_PHYSICAL_MAX in the cluster
  # environment file, or UMSYNTH_JAVA_OPTS for submit-scripts/umsynth, sets a limit again.
  -Dorg.bytedeco.javacpp.maxPhysicalBytes=0
)
