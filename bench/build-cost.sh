#!/usr/bin/env bash
# Clean release build of an application using one OAuth client, three ways: raw reqwest + serde
# (the floor), oauth2-rs 5 over oauth2-reqwest (reqwest 0.13, as ours), and ringcentral-oauth.
# Each is a throw-away crate in a temporary folder with its own target dir, built with
# `cargo build --release` and timed; the crates compiled are counted from cargo's output.
# Takes minutes on 2 cores, and the figures move with whatever else the machine is doing:
# compare the ratios of one run. Not part of CI.
#
#   bash bench/build-cost.sh            # all three, 3 rounds (ROUNDS=N for more)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/rounds.sh
. "$root/bench/rounds.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The floor and oauth2-rs get the TLS stack the SDK uses: rustls with the ring provider.
reqwest_dep='reqwest = { version = "0.13", default-features = false, features = ["json", "form", "rustls-no-provider"] }
rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12"] }'
tokio_dep='tokio = { version = "1", features = ["rt", "macros"] }'

consumer() { # name, dependencies, main.rs
  mkdir -p "$work/$1/src"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2024"\npublish = false\n\n[dependencies]\n%s\n\n[workspace]\n' \
    "$1" "$2" >"$work/$1/Cargo.toml"
  printf '%s\n' "$3" >"$work/$1/src/main.rs"
}

consumer floor "$reqwest_dep
serde = { version = \"1\", features = [\"derive\"] }
serde_json = \"1\"
$tokio_dep" '
#[derive(serde::Deserialize, Debug)]
struct Token { access_token: String, expires_in: Option<u64>, refresh_token: Option<String> }
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let token: Token = http.post("https://platform.ringcentral.com/restapi/oauth/token")
        .basic_auth("id", Some("secret"))
        .form(&[("grant_type", "authorization_code"), ("code", "c")])
        .send().await?.error_for_status()?.json().await?;
    println!("{token:?}");
    Ok(())
}'

consumer oauth2rs "$reqwest_dep
oauth2 = { version = \"5\", default-features = false }
oauth2-reqwest = \"0.1.0-alpha.3\"
$tokio_dep" '
use oauth2::{AuthorizationCode, ClientId, ClientSecret, TokenUrl, basic::BasicClient};
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let client = BasicClient::new(ClientId::new("id".into()))
        .set_client_secret(ClientSecret::new("secret".into()))
        .set_token_uri(TokenUrl::new("https://platform.ringcentral.com/restapi/oauth/token".into())?);
    let token = client.exchange_code(AuthorizationCode::new("c".into()))
        .request_async(&oauth2_reqwest::ReqwestClient::from(http)).await?;
    println!("{token:?}");
    Ok(())
}'

consumer sdk "ringcentral-oauth = { path = \"$root/crates/ringcentral\" }
oauth-core = { path = \"$root/crates/oauth-core\" }
$tokio_dep" '
use oauth_core::{AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientSecret};
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = ringcentral_oauth::RingCentralClient::builder("id")
        .client_secret(ClientSecret::new("secret")).build()?;
    let token = client.exchange_code(&AuthorizationGrant::from_code(AuthorizationCode::new("c"))).await?;
    println!("{token:?}");
    Ok(())
}'

rounds=${ROUNDS:-3}
names=(floor oauth2rs sdk)
for name in "${names[@]}"; do (cd "$work/$name" && cargo generate-lockfile --quiet); done

# Rounds take turns (the order rotating), each build from a clean target dir, so that load
# from outside falls on all three alike; the ratios of each round are kept and their median
# printed.
declare -A crates secs
ratios_o=() ratios_s=() floors=()
for ((round = 0; round < rounds; round++)); do
  secs=()
  build_round "$round" "${names[@]}"
  floors+=("${secs[floor]}")
  ratios_o+=("$(awk -v a="${secs[oauth2rs]}" -v b="${secs[floor]}" 'BEGIN { printf "%.3f", a / b }')")
  ratios_s+=("$(awk -v a="${secs[sdk]}" -v b="${secs[floor]}" 'BEGIN { printf "%.3f", a / b }')")
done

echo
echo "| clean release build of a one-provider app ($rounds rounds, median) | raw reqwest + serde | oauth2-rs 5 | ringcentral-oauth |"
echo "| --- | --- | --- | --- |"
printf '| crates compiled | %d | %d | %d |\n' "${crates[floor]}" "${crates[oauth2rs]}" "${crates[sdk]}"
printf '| time | 1.00 (%.0f s) | %.2f | %.2f |\n' "$(median 3 "${floors[@]}")" \
  "$(median 3 "${ratios_o[@]}")" "$(median 3 "${ratios_s[@]}")"
