#!/usr/bin/env bash
# Clean release build of an application using one OAuth client, three ways: raw reqwest + serde
# (the floor), oauth2-rs 5 over oauth2-reqwest (reqwest 0.13, as ours), and ringcentral-oauth.
# Each is a throw-away crate in a temporary folder with its own target dir, built with
# `cargo build --release` and timed; the crates compiled are counted from cargo's output.
# Takes minutes on 2 cores, and the figures move with whatever else the machine is doing:
# compare the ratios of one run. Not part of CI.
#
#   bash bench/build-cost.sh            # all three, in one run
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
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

declare -A secs crates
for name in floor oauth2rs sdk; do
  dir="$work/$name"
  (cd "$dir" && cargo generate-lockfile --quiet)
  start=$(date +%s.%N)
  (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --release --color never 2>"$dir/build.log") ||
    { cat "$dir/build.log"; exit 1; }
  end=$(date +%s.%N)
  secs[$name]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  crates[$name]=$(grep -c '^ *Compiling ' "$dir/build.log")
  printf '%-9s %6.1f s  %3d crates compiled\n' "$name" "${secs[$name]}" "${crates[$name]}"
done

echo
echo "| clean release build of a one-provider app | raw reqwest + serde | oauth2-rs 5 | ringcentral-oauth |"
echo "| --- | --- | --- | --- |"
printf '| crates compiled | %d | %d | %d |\n' "${crates[floor]}" "${crates[oauth2rs]}" "${crates[sdk]}"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '| time | 1.00 (%.0f s) | %s | %s |\n' "${secs[floor]}" \
  "$(ratio "${secs[oauth2rs]}" "${secs[floor]}")" "$(ratio "${secs[sdk]}" "${secs[floor]}")"
