# Shared by submit-standalone, submit-yarn and submit-k8s: reads ONE environment file, builds the
# spark-submit command line for an umsynth command and runs it (or prints it with --dry-run).
#
#   submit-<manager> [--env FILE] [--deploy-mode client|cluster] [--dry-run] COMMAND [ARGS...]
#
# The environment file is a bash file (sourced; every assignment is exported): see
# conf/cluster.env.example for the keys. Without --env: $UMSYNTH_CLUSTER_ENV, else conf/cluster.env.
# --dry-run prints the exact command, one argument per line, and exits 0.
# Exit status: spark-submit's; 2 for a usage or environment-file error.

umsynth_lib_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
umsynth_scripts_dir="$(cd "$umsynth_lib_dir/.." && pwd)"
umsynth_repo_dir="$(cd "$umsynth_scripts_dir/.." && pwd)"
# shellcheck source=../java17-opens.sh
source "$umsynth_scripts_dir/java17-opens.sh"

UMSYNTH_MAIN_CLASS=org.umsynth.cli.Umsynth
UMSYNTH_GPU_SCRIPT_NAME=getGpusResources.sh

umsynth_die() {
  echo "$umsynth_launcher: $*" >&2
  exit 2
}

umsynth_usage() {
  cat >&2 <<USAGE
usage: $umsynth_launcher [--env FILE] [--deploy-mode client|cluster] [--dry-run] COMMAND [ARGS...]
  COMMAND is any umsynth command (pipeline, ingest, masks, train, synthesize, metrics, report, ...);
  ARGS are its options, e.g. --data hdfs:///lake/umsynth/2024-05-01 --conf conf/paper.conf
  --env FILE      the cluster environment file (default: \$UMSYNTH_CLUSTER_ENV, else conf/cluster.env)
  --dry-run       print the spark-submit command line, one argument per line, and exit
USAGE
}

# Joins the Java 17 module openings and extra options into one value for spark.*.extraJavaOptions.
umsynth_java_options() {
  local extra="$1" joined
  joined="${UMSYNTH_JAVA17_OPENS[*]}"
  [[ -n "${UMSYNTH_ND4J_OFFHEAP_MAX:-}" ]] && joined+=" -Dorg.bytedeco.javacpp.maxbytes=$UMSYNTH_ND4J_OFFHEAP_MAX"
  [[ -n "${UMSYNTH_ND4J_PHYSICAL_MAX:-}" ]] && joined+=" -Dorg.bytedeco.javacpp.maxPhysicalBytes=$UMSYNTH_ND4J_PHYSICAL_MAX"
  [[ -n "$extra" ]] && joined+=" $extra"
  printf '%s' "$joined"
}

# umsynth_submit MANAGER "$@": MANAGER is standalone, yarn or k8s.
umsynth_submit() {
  local manager="$1"
  shift
  local env_file="${UMSYNTH_CLUSTER_ENV:-$umsynth_repo_dir/conf/cluster.env}" dry_run=0 deploy_mode_option=""
  while (($#)); do
    case "$1" in
      --env) (($# >= 2)) || umsynth_die "--env needs a file"; env_file="$2"; shift 2 ;;
      --env=*) env_file="${1#--env=}"; shift ;;
      --deploy-mode) (($# >= 2)) || umsynth_die "--deploy-mode needs client or cluster"; deploy_mode_option="$2"; shift 2 ;;
      --deploy-mode=*) deploy_mode_option="${1#--deploy-mode=}"; shift ;;
      --dry-run) dry_run=1; shift ;;
      -h|--help) umsynth_usage; exit 0 ;;
      --) shift; break ;;
      -*) umsynth_usage; umsynth_die "unknown launcher option $1 (umsynth options go after COMMAND)" ;;
      *) break ;;
    esac
  done
  (($#)) || { umsynth_usage; umsynth_die "no umsynth COMMAND given"; }
  local command="$1"
  shift

  [[ -f "$env_file" ]] || umsynth_die "environment file $env_file not found (copy conf/cluster.env.example)"
  set -a
  # shellcheck disable=SC1090
  source "$env_file" || umsynth_die "environment file $env_file failed to load"
  set +a

  [[ -n "${SPARK_HOME:-}" ]] || umsynth_die "SPARK_HOME is not set in $env_file"
  local spark_submit="$SPARK_HOME/bin/spark-submit"
  [[ -x "$spark_submit" || $dry_run == 1 ]] || umsynth_die "$spark_submit is not executable (SPARK_HOME in $env_file)"
  local deploy_mode="${deploy_mode_option:-${UMSYNTH_DEPLOY_MODE:-}}"
  local app_jar="${UMSYNTH_APP_JAR:-}"
  local master
  case "$manager" in
    standalone)
      master="${UMSYNTH_MASTER:-}"
      [[ "$master" == spark://* ]] || umsynth_die "UMSYNTH_MASTER must be spark://HOST:PORT for a standalone cluster (in $env_file)"
      deploy_mode="${deploy_mode:-client}"
      # The driver reads --conf from its local disk, and standalone cluster mode ships no files to it.
      [[ "$deploy_mode" == client ]] || umsynth_die "submit-standalone supports --deploy-mode client only (use YARN or Kubernetes for a driver on the cluster)"
      ;;
    yarn)
      master=yarn
      deploy_mode="${deploy_mode:-client}"
      [[ -n "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ]] || umsynth_die "YARN needs HADOOP_CONF_DIR (or YARN_CONF_DIR) in $env_file: the folder with core-site.xml and yarn-site.xml"
      local conf_dir="${HADOOP_CONF_DIR:-$YARN_CONF_DIR}"
      [[ -d "$conf_dir" ]] || umsynth_die "HADOOP_CONF_DIR $conf_dir is not a folder"
      ;;
    k8s)
      master="${UMSYNTH_MASTER:-}"
      [[ "$master" == k8s://* ]] || umsynth_die "UMSYNTH_MASTER must be k8s://https://API-SERVER:PORT for Kubernetes (in $env_file)"
      deploy_mode="${deploy_mode:-cluster}"
      [[ -n "${UMSYNTH_K8S_IMAGE:-}" ]] || umsynth_die "UMSYNTH_K8S_IMAGE is not set in $env_file (build it from submit-scripts/k8s/Dockerfile)"
      # The image carries the application jar (submit-scripts/k8s/Dockerfile).
      app_jar="${app_jar:-local:///opt/umsynth/umsynth-app.jar}"
      ;;
    *) umsynth_die "unknown cluster manager $manager" ;;
  esac
  [[ "$deploy_mode" == client || "$deploy_mode" == cluster ]] || umsynth_die "deploy mode must be client or cluster, not '$deploy_mode'"
  [[ -n "$app_jar" ]] || umsynth_die "UMSYNTH_APP_JAR is not set in $env_file (build it: mvn -B -Papp package -DskipTests)"
  if [[ "$app_jar" != *://* && $dry_run == 0 ]]; then
    [[ -f "$app_jar" ]] || umsynth_die "application jar $app_jar not found (UMSYNTH_APP_JAR in $env_file)"
  fi

  # The umsynth arguments: --conf FILE must reach the driver, which reads it from its local disk.
  local -a app_args=() files=()
  while (($#)); do
    local arg="$1" value=""
    case "$arg" in
      --master|--master=*)
        umsynth_die "do not pass --master to the umsynth command: $umsynth_launcher sets the master from $env_file" ;;
      --conf)
        (($# >= 2)) || umsynth_die "--conf needs a file"
        value="$2"; shift 2 ;;
      --conf=*)
        value="${arg#--conf=}"; shift ;;
      *)
        app_args+=("$arg"); shift; continue ;;
    esac
    umsynth_driver_conf_path "$value"
    app_args+=(--conf "$umsynth_conf_result")
  done

  local -a cmd=("$spark_submit" --master "$master" --deploy-mode "$deploy_mode" --name "umsynth-$command" --class "$UMSYNTH_MAIN_CLASS")
  [[ -n "${UMSYNTH_DRIVER_MEMORY:-}" ]] && cmd+=(--driver-memory "$UMSYNTH_DRIVER_MEMORY")
  [[ -n "${UMSYNTH_DRIVER_CORES:-}" && "$deploy_mode" == cluster ]] && cmd+=(--driver-cores "$UMSYNTH_DRIVER_CORES")
  [[ -n "${UMSYNTH_EXECUTOR_MEMORY:-}" ]] && cmd+=(--executor-memory "$UMSYNTH_EXECUTOR_MEMORY")
  [[ -n "${UMSYNTH_EXECUTOR_CORES:-}" ]] && cmd+=(--executor-cores "$UMSYNTH_EXECUTOR_CORES")
  if [[ -n "${UMSYNTH_EXECUTOR_INSTANCES:-}" ]]; then
    if [[ "$manager" == standalone ]]; then
      # standalone has no executor count: it caps the cores instead
      cmd+=(--total-executor-cores "$((UMSYNTH_EXECUTOR_INSTANCES * ${UMSYNTH_EXECUTOR_CORES:-1}))")
    else
      cmd+=(--num-executors "$UMSYNTH_EXECUTOR_INSTANCES")
    fi
  fi
  [[ "$manager" == yarn && -n "${UMSYNTH_YARN_QUEUE:-}" ]] && cmd+=(--queue "$UMSYNTH_YARN_QUEUE")
  if [[ -n "${UMSYNTH_KERBEROS_PRINCIPAL:-}${UMSYNTH_KERBEROS_KEYTAB:-}" ]]; then
    [[ "$manager" != standalone ]] || umsynth_die "Spark's standalone manager does not support Kerberos (--principal/--keytab): use YARN or Kubernetes"
    [[ -n "${UMSYNTH_KERBEROS_PRINCIPAL:-}" && -n "${UMSYNTH_KERBEROS_KEYTAB:-}" ]] \
      || umsynth_die "UMSYNTH_KERBEROS_PRINCIPAL and UMSYNTH_KERBEROS_KEYTAB go together (in $env_file)"
    if [[ $dry_run == 0 && ! -r "$UMSYNTH_KERBEROS_KEYTAB" ]]; then
      umsynth_die "keytab $UMSYNTH_KERBEROS_KEYTAB is not readable (UMSYNTH_KERBEROS_KEYTAB in $env_file)"
    fi
    cmd+=(--principal "$UMSYNTH_KERBEROS_PRINCIPAL" --keytab "$UMSYNTH_KERBEROS_KEYTAB")
  fi

  local -a confs=()
  confs+=("spark.driver.extraJavaOptions=$(umsynth_java_options "${UMSYNTH_DRIVER_JAVA_OPTS:-}")")
  confs+=("spark.executor.extraJavaOptions=$(umsynth_java_options "${UMSYNTH_EXECUTOR_JAVA_OPTS:-}")")
  confs+=(spark.serializer=org.apache.spark.serializer.KryoSerializer)
  confs+=(spark.kryo.registrator=org.umsynth.spark.KryoRegistrator)
  confs+=(spark.kryoserializer.buffer.max=512m)
  # ND4J's OpenMP threads spin on idle cores unless PASSIVE; one thread per task (a task per core)
  confs+=(spark.executorEnv.OMP_WAIT_POLICY=PASSIVE "spark.executorEnv.OMP_NUM_THREADS=${UMSYNTH_OMP_NUM_THREADS:-1}")
  if [[ "$deploy_mode" == cluster && "$manager" == yarn ]]; then
    confs+=(spark.yarn.appMasterEnv.OMP_WAIT_POLICY=PASSIVE)
  elif [[ "$deploy_mode" == cluster && "$manager" == k8s ]]; then
    confs+=(spark.kubernetes.driverEnv.OMP_WAIT_POLICY=PASSIVE)
  fi
  [[ -n "${UMSYNTH_DRIVER_MEMORY_OVERHEAD:-}" ]] && confs+=("spark.driver.memoryOverhead=$UMSYNTH_DRIVER_MEMORY_OVERHEAD")
  local overhead="${UMSYNTH_EXECUTOR_MEMORY_OVERHEAD:-}"
  if [[ "${UMSYNTH_GPU:-0}" == 1 ]]; then
    overhead="${overhead:-${UMSYNTH_GPU_MEMORY_OVERHEAD:-8g}}"
  fi
  [[ -n "$overhead" ]] && confs+=("spark.executor.memoryOverhead=$overhead")
  [[ -n "${UMSYNTH_S3A_CREDENTIALS_PROVIDER:-}" ]] \
    && confs+=("spark.hadoop.fs.s3a.aws.credentials.provider=$UMSYNTH_S3A_CREDENTIALS_PROVIDER")
  [[ -n "${UMSYNTH_KERBEROS_FILESYSTEMS:-}" ]] \
    && confs+=("spark.kerberos.access.hadoopFileSystems=$UMSYNTH_KERBEROS_FILESYSTEMS")
  if [[ "${UMSYNTH_GPU:-0}" == 1 ]]; then
    umsynth_gpu_confs
  elif [[ "${UMSYNTH_GPU:-0}" != 0 ]]; then
    umsynth_die "UMSYNTH_GPU must be 0 or 1, not '$UMSYNTH_GPU'"
  fi
  [[ "$manager" == k8s ]] && umsynth_k8s_confs
  if [[ -n "${UMSYNTH_CASE_ID_SECRET:-}" && "$deploy_mode" == cluster ]]; then
    echo "$umsynth_launcher: warning: UMSYNTH_CASE_ID_SECRET stays on this host in cluster mode; put ingest.caseIdSecret in the --conf file (or UMSYNTH_K8S_CASE_ID_SECRET_REF on Kubernetes)" >&2
  fi
  # the site's own settings come last, so they win
  if declare -p UMSYNTH_SPARK_CONF > /dev/null 2>&1; then
    local extra
    for extra in "${UMSYNTH_SPARK_CONF[@]}"; do
      [[ "$extra" == *=* ]] || umsynth_die "UMSYNTH_SPARK_CONF entry '$extra' is not key=value (in $env_file)"
      confs+=("$extra")
    done
  fi

  ((${#files[@]})) && cmd+=(--files "$(IFS=,; printf '%s' "${files[*]}")")
  local c
  for c in "${confs[@]}"; do
    cmd+=(--conf "$c")
  done
  cmd+=("$app_jar" "$command" "${app_args[@]}")

  if [[ $dry_run == 1 ]]; then
    printf '%s\n' "${cmd[@]}"
    exit 0
  fi
  exec "${cmd[@]}"
}

# Sets umsynth_conf_result to where the driver finds the config file FILE. Client mode: the driver is
# this host (local paths only). Cluster mode: the file travels with --files into the driver's working
# directory (YARN localises it there; Spark 3.4+ on Kubernetes downloads it there), so a bare name.
umsynth_driver_conf_path() {
  local file="$1"
  if [[ "$deploy_mode" == client ]]; then
    # hdfs://, s3a:// ... are read by the driver through Hadoop (HADOOP_CONF_DIR, Kerberos login)
    [[ "$file" == *://* || $dry_run == 1 || -f "$file" ]] || umsynth_die "--conf $file: no such file"
    umsynth_conf_result="$file"
    return
  fi
  case "$file" in
    local://*)
      # already inside the driver's container image
      umsynth_conf_result="${file#local://}"
      return ;;
    *://*) files+=("$file") ;;
    *)
      [[ -f "$file" ]] || umsynth_die "--conf $file: no such file"
      if [[ "$manager" == k8s && -z "${UMSYNTH_K8S_UPLOAD_PATH:-}" ]]; then
        umsynth_die "--conf $file: a local config file reaches a Kubernetes driver only through UMSYNTH_K8S_UPLOAD_PATH (an hdfs:// or s3a:// folder), or give it as hdfs://..., s3a://... or local:///path-in-image"
      fi
      files+=("$(cd "$(dirname "$file")" && pwd)/$(basename "$file")") ;;
  esac
  local name="${file##*/}"
  local f
  for f in "${files[@]:0:${#files[@]}-1}"; do
    [[ "${f##*/}" != "$name" ]] || umsynth_die "--conf $file: two shipped files are both named $name"
  done
  umsynth_conf_result="$name"
}

umsynth_gpu_confs() {
  local script
  confs+=("spark.executor.resource.gpu.amount=${UMSYNTH_GPU_PER_EXECUTOR:-1}")
  confs+=("spark.task.resource.gpu.amount=${UMSYNTH_GPU_PER_TASK:-1}")
  case "$manager" in
    yarn)
      # shipped into every container's working directory
      files+=("$umsynth_scripts_dir/gpu/$UMSYNTH_GPU_SCRIPT_NAME")
      script="${UMSYNTH_GPU_DISCOVERY_SCRIPT:-./$UMSYNTH_GPU_SCRIPT_NAME}" ;;
    k8s)
      script="${UMSYNTH_GPU_DISCOVERY_SCRIPT:-/opt/umsynth/bin/$UMSYNTH_GPU_SCRIPT_NAME}"
      confs+=("spark.executor.resource.gpu.vendor=${UMSYNTH_GPU_VENDOR:-nvidia.com}") ;;
    standalone)
      # the workers run it: the same install path on every node
      script="${UMSYNTH_GPU_DISCOVERY_SCRIPT:-$umsynth_scripts_dir/gpu/$UMSYNTH_GPU_SCRIPT_NAME}" ;;
  esac
  confs+=("spark.executor.resource.gpu.discoveryScript=$script")
}

umsynth_k8s_confs() {
  [[ -n "${UMSYNTH_K8S_NAMESPACE:-}" ]] && confs+=("spark.kubernetes.namespace=$UMSYNTH_K8S_NAMESPACE")
  confs+=("spark.kubernetes.container.image=$UMSYNTH_K8S_IMAGE")
  [[ -n "${UMSYNTH_K8S_IMAGE_PULL_POLICY:-}" ]] && confs+=("spark.kubernetes.container.image.pullPolicy=$UMSYNTH_K8S_IMAGE_PULL_POLICY")
  [[ -n "${UMSYNTH_K8S_SERVICE_ACCOUNT:-}" ]] \
    && confs+=("spark.kubernetes.authenticate.driver.serviceAccountName=$UMSYNTH_K8S_SERVICE_ACCOUNT")
  local template
  for template in DRIVER EXECUTOR; do
    local var="UMSYNTH_K8S_${template}_POD_TEMPLATE"
    local path="${!var:-$umsynth_scripts_dir/k8s/${template,,}-pod-template.yaml}"
    [[ -f "$path" ]] || umsynth_die "pod template $path not found ($var in $env_file)"
    confs+=("spark.kubernetes.${template,,}.podTemplateFile=$path")
  done
  [[ -n "${UMSYNTH_K8S_UPLOAD_PATH:-}" ]] && confs+=("spark.kubernetes.file.upload.path=$UMSYNTH_K8S_UPLOAD_PATH")
  [[ -n "${UMSYNTH_K8S_HADOOP_CONFIGMAP:-}" ]] && confs+=("spark.kubernetes.hadoop.configMapName=$UMSYNTH_K8S_HADOOP_CONFIGMAP")
  [[ -n "${UMSYNTH_K8S_KRB5_CONFIGMAP:-}" ]] && confs+=("spark.kubernetes.kerberos.krb5.configMapName=$UMSYNTH_K8S_KRB5_CONFIGMAP")
  if [[ -n "${UMSYNTH_K8S_CASE_ID_SECRET_REF:-}" ]]; then
    [[ "$UMSYNTH_K8S_CASE_ID_SECRET_REF" == ?*:?* ]] || umsynth_die "UMSYNTH_K8S_CASE_ID_SECRET_REF must be SECRET-NAME:KEY"
    # the driver computes the case ids: it alone gets the key, from a Kubernetes secret
    confs+=("spark.kubernetes.driver.secretKeyRef.UMSYNTH_CASE_ID_SECRET=$UMSYNTH_K8S_CASE_ID_SECRET_REF")
  fi
  return 0
}
