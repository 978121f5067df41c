#!/usr/bin/env bash
# Packs what a GPU machine needs to run qpert's GPU tests and benchmarks into .device/ at the repository root
# (git-ignored), within the 64 MiB a device run may carry:
#   runtime/         a jlink'd JDK 17 (java.base, jdk.incubator.vector, jdk.unsupported, java.logging,
#                    java.management, and java.xml for the JUnit console's XML reports), built once and reused
#   lib/             the core, loaders, kernels and bench jars with their runtime and test dependencies
#   junit/           the JUnit console launcher (platform 1.14.1, matching JUnit 5.14.1)
#   test-classes/    the kernels module's tests; kernels/src/main, kernels/build-ptx.sh and testdata/parity/tiny-blip2
#                    (the tiny model and its Q-Perturbation fixtures) for them
#   run.sh, probe.sh the scripts to run there (see run.sh)
# The bench module's CPU-comparison dependencies (ONNX Runtime's ~30 MB natives, JMH) are left out: GpuBenchmark
# needs neither, and the folder must stay under 64 MiB.
# Usage: kernels/device/pack.sh        (offline Maven; JAVA_HOME defaults to the JDK 17 below)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/.device"
jdk="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
junit_console_version=1.14.1
limit=$((64 * 1024 * 1024))
modules=java.base,jdk.incubator.vector,jdk.unsupported,java.logging,java.management,java.xml

cd "$root"
mkdir -p "$out"
echo "pack: building jars and test classes (mvn -o)"
rm -rf "$out/lib" "$out/junit" "$out/test-classes" "$out/kernels" "$out/testdata"
mvn -o -q -B -pl bench,kernels -am package dependency:copy-dependencies -DskipTests \
  -DincludeScope=test -DexcludeGroupIds=org.junit,org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian \
  -DexcludeArtifactIds=onnxruntime,jmh-core,jmh-generator-annprocess \
  -DoutputDirectory="$out/lib"
cp core/target/qpert-core-*.jar loaders/target/qpert-loaders-*.jar kernels/target/qpert-kernels-*.jar \
  bench/target/qpert-bench-*.jar "$out/lib/"
rm -f "$out"/lib/qpert-*-tests.jar
cp -r kernels/target/test-classes "$out/test-classes"
mkdir -p "$out/junit"
mvn -o -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_console_version" \
  -DoutputDirectory="$out/junit" || {
  echo "pack: junit-platform-console-standalone $junit_console_version is not in ~/.m2; fetch it once with" >&2
  echo "  mvn dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit_console_version" >&2
  exit 1
}
mkdir -p "$out/kernels/src" "$out/testdata/parity"
cp -r kernels/src/main "$out/kernels/src/main"
cp kernels/build-ptx.sh "$out/kernels/"  # PtxResourcesTest checks the PTX manifest against it
cp -r testdata/parity/tiny-blip2 "$out/testdata/parity/"

if [ ! -x "$out/runtime/bin/java" ] || [ "$(cat "$out/runtime/.modules" 2>/dev/null)" != "$jdk $modules" ]; then
  echo "pack: jlink $modules from $jdk"
  rm -rf "$out/runtime"
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
    --output "$out/runtime"
  echo "$jdk $modules" > "$out/runtime/.modules"
fi
cp kernels/device/run.sh kernels/device/probe.sh "$out/"

size=$(du -sb "$out" | cut -f1)
echo "pack: $out holds $((size / 1024 / 1024)) MiB ($size bytes; limit $limit)"
du -sh "$out"/* | sed 's/^/  /'
if [ "$size" -gt "$limit" ]; then
  echo "pack: over the 64 MiB a device run may carry" >&2
  exit 1
fi
