# Sourced by build-cost.sh and postgres-build-cost.sh: the rounds of clean release builds they
# both take, and the median they print. Each app is a crate in "$work/<name>".

# build_round ROUND NAME...: builds every app from a clean target dir, the order rotated by
# ROUND so that load from outside falls on all alike; sets secs[name] and crates[name] (the
# caller declares both with `declare -A`) and prints one line per build.
build_round() {
  local round=$1 i name dir start end
  shift
  local names=("$@")
  for ((i = 0; i < ${#names[@]}; i++)); do
    name=${names[$(((i + round) % ${#names[@]}))]}
    dir="$work/$name"
    rm -rf "$dir/target"
    start=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --release --color never 2>"$dir/build.log") ||
      { cat "$dir/build.log"; exit 1; }
    end=$(date +%s.%N)
    secs[$name]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    crates[$name]=$(grep -c '^ *Compiling ' "$dir/build.log")
    printf 'round %d  %-9s %6.1f s  %3d crates compiled\n' "$round" "$name" "${secs[$name]}" "${crates[$name]}"
  done
}

# median DECIMALS VALUE...: the median, an even count's mean of the middle two printed with
# DECIMALS decimals.
median() {
  local decimals=$1
  shift
  printf '%s\n' "$@" | sort -g | awk -v d="$decimals" '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%." d "f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
