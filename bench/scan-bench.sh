#!/usr/bin/env bash
# Scan benchmark: 'dataset scan' (decode check + SHA-256 + perceptual hash, all cores) against a reference Python
# loop doing the same per image (Debian's python3-pil; python3-imagehash when Debian has it, else the same pHash
# inline with python3-scipy), on the same generated images, in the same run. Prints throughput, peak memory and
# the ratio. Not a test: numbers depend on the machine and its load.
#
# Usage: bench/scan-bench.sh [N_IMAGES]            (default 20000)
# Environment:
#   BENCH_DIR        where images and outputs go (default /tmp/deepguard-scan-bench)
#   DEEPGUARD_HEAP   Java heap for the scan (default 1g): the scan must stay within it
#   DATASET          the dataset command (default dist/bin/dataset; built with mvn if missing)
#   IMAGEIO_ROW      1 (default): also time the scan with the native decode off (-Ddeepguard.nativeDecode=false,
#                    ImageIO only), to show that lever's share in the same run; 0 skips it
set -euo pipefail
n="${1:-20000}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${BENCH_DIR:-/tmp/deepguard-scan-bench}"
export DEEPGUARD_HEAP="${DEEPGUARD_HEAP:-1g}"
dataset="${DATASET:-$repo/dist/bin/dataset}"
py=/usr/bin/python3

# 1. Debian packages for the reference loop and the image generator.
missing=()
$py -c "import PIL" 2>/dev/null || missing+=(python3-pil)
$py -c "import numpy, scipy.fftpack" 2>/dev/null || missing+=(python3-numpy python3-scipy)
if ! $py -c "import imagehash" 2>/dev/null && apt-cache show python3-imagehash >/dev/null 2>&1; then
  missing+=(python3-imagehash)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing from Debian: ${missing[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. The dataset command.
if [ ! -x "$dataset" ] || [ ! -d "$repo/dist/lib" ]; then
  echo "building deepguard (mvn -q package -DskipTests)" >&2
  (cd "$repo" && mvn -B -q package -DskipTests)
fi

# 3. Images: N files, 64-1024 px, about half JPEG (q90) and half PNG. Reused when already there.
images="$dir/images-$n"
if [ ! -f "$images/.complete" ]; then
  echo "generating $n images in $images" >&2
  rm -rf "$images"
  $py "$repo/bench/gen_images.py" "$images" "$n"
  touch "$images/.complete"
fi
echo "images: $n files, $(du -shL "$images" | cut -f1), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # label, command...: runs it under /usr/bin/time, prints wall seconds and peak RSS
  local label="$1"; shift
  local t="$dir/$label.time"
  if ! /usr/bin/time -f "%e %M %U %S" -o "$t" "$@" > "$dir/$label.out" 2> "$dir/$label.err"; then
    echo "error: the $label run failed:" >&2
    tail -n 5 "$dir/$label.err" >&2
    return 1
  fi
  tail -n 1 "$t"
}

# 4. Java scan: fresh (no resume journal), all cores, heap capped by DEEPGUARD_HEAP.
jres="$(measure java "$dataset" scan "$images" -o "$dir/manifest.csv" --no-cache --min-side 8)"
read -r jsecs jkb juser jsys <<< "$jres"
tail -n 4 "$dir/java.out" | sed 's/^/  /'
if [ "${IMAGEIO_ROW:-1}" = 1 ]; then
  ires="$(JAVA_OPTS="-Ddeepguard.nativeDecode=false ${JAVA_OPTS:-}" measure imageio "$dataset" scan "$images" \
          -o "$dir/manifest-imageio.csv" --no-cache --min-side 8)"
  read -r isecs ikb iuser isys <<< "$ires"
else
  isecs=0 ikb=0 iuser=0 isys=0
fi
# 5. Python reference loop, single process (as such loops are usually written).
pres="$(measure python $py "$repo/bench/ref_scan.py" "$images")"
read -r psecs pkb puser psys <<< "$pres"
sed 's/^/  /' "$dir/python.out"

awk -v is="$isecs" -v ik="$ikb" -v iu="$iuser" -v iy="$isys" -v n="$n" -v js="$jsecs" -v jk="$jkb" -v ju="$juser" -v jy="$jsys" \
    -v ps="$psecs" -v pk="$pkb" -v pu="$puser" -v py="$psys" -v heap="$DEEPGUARD_HEAP" 'BEGIN {
  jr = n / js; pr = n / ps; jc = ju + jy; pc = pu + py;
  printf "java   dataset scan: %7.1f images/s  (%.1f s wall incl. JVM start, %.2f CPU ms/image, peak RSS %d MiB, heap cap %s)\n", jr, js, 1000 * jc / n, jk / 1024, heap;
  if (is > 0) printf "java, ImageIO only : %7.1f images/s  (%.1f s wall, %.2f CPU ms/image, peak RSS %d MiB; native decode off)\n", n / is, is, 1000 * (iu + iy) / n, ik / 1024;
  printf "python PIL loop    : %7.1f images/s  (%.1f s wall, %.2f CPU ms/image, peak RSS %d MiB)\n", pr, ps, 1000 * pc / n, pk / 1024;
  printf "ratio java/python  : %.2fx throughput (target 3x), %.2fx CPU per image\n", jr / pr, (pc / n) / (jc / n);
  if (is > 0) printf "ratio ImageIO-only/python: %.2fx throughput, %.2fx CPU per image\n", (n / is) / pr, (pc / n) / ((iu + iy) / n);
}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg) (other processes share these cores: compare CPU ms/image when loaded)"
