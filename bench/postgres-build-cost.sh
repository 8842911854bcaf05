#!/usr/bin/env bash
# What the `postgres` feature adds to a clean release build of an application using
# `oauth-lifecycle`, and what the alternative driver would have added: three throw-away crates, each
# built from a clean target dir, the order rotating over rounds; the median of each round's
# extra seconds is printed with the crates compiled.
#
#   bash bench/postgres-build-cost.sh        # 3 rounds (ROUNDS=N for more); minutes on 2 cores
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/rounds.sh
. "$root/bench/rounds.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

consumer() { # name, dependencies
  mkdir -p "$work/$1/src"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2024"\npublish = false\n\n[dependencies]\n%s\n\n[workspace]\n' \
    "$1" "$2" >"$work/$1/Cargo.toml"
  printf 'fn main() { println!("{}", std::any::type_name::<oauth_lifecycle::store::MemoryStore>()); }\n' \
    >"$work/$1/src/main.rs"
}
core="oauth-lifecycle = { path = \"$root/crates/oauth-lifecycle\""
consumer plain "$core }"
consumer postgres "$core, features = [\"postgres\"] }"
# sqlx with what the store would need: PostgreSQL over tokio, no TLS, no macros.
consumer sqlx "$core }
sqlx = { version = \"0.8\", default-features = false, features = [\"postgres\", \"runtime-tokio\"] }"

rounds=${ROUNDS:-3}
names=(plain postgres sqlx)
for name in "${names[@]}"; do (cd "$work/$name" && cargo generate-lockfile --quiet); done
declare -A crates secs
extra_pg=() extra_sqlx=()
for ((round = 0; round < rounds; round++)); do
  secs=()
  build_round "$round" "${names[@]}"
  extra_pg+=("$(awk -v a="${secs[postgres]}" -v b="${secs[plain]}" 'BEGIN { printf "%.1f", a - b }')")
  extra_sqlx+=("$(awk -v a="${secs[sqlx]}" -v b="${secs[plain]}" 'BEGIN { printf "%.1f", a - b }')")
done

echo
echo "| added to a clean release build of oauth-core ($rounds rounds, median) | crates | seconds |"
echo "| --- | --- | --- |"
printf '| feature `postgres` (tokio-postgres + deadpool-postgres) | +%d | +%s |\n' \
  "$((crates[postgres] - crates[plain]))" "$(median 1 "${extra_pg[@]}")"
printf '| sqlx 0.8 (postgres, runtime-tokio; not used) | +%d | +%s |\n' \
  "$((crates[sqlx] - crates[plain]))" "$(median 1 "${extra_sqlx[@]}")"
