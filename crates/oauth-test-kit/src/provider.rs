//! What every provider's fake type shares, as a macro the provider crates expand.

/// Expands, for a provider's `struct $fake { server: FakeServer }`, to `start_with`,
/// `client_builder`, `client` and `Deref<Target = FakeServer>` (counters, faults, revocation,
/// clock and grant state):
/// `oauth_test_kit::fake_provider!(FakeRingCentral, routes::RingCentralRoutes, RingCentralClient,
/// RingCentralClientBuilder);`. The client's builder is expected to have the methods every
/// provider crate's has (`builder(client_id)`, `base_url`, `clock`, `client_secret`); a
/// provider whose client needs more (Procore's company) passes a last argument, a closure
/// applied to the builder: `|builder| builder.company_id(COMPANY_ID)`.
#[macro_export]
macro_rules! fake_provider {
    ($fake:ident, $routes:expr, $client:ident, $builder:ident) => {
        $crate::fake_provider!($fake, $routes, $client, $builder, |builder| builder);
    };
    ($fake:ident, $routes:expr, $client:ident, $builder:ident, $more:expr) => {
        impl $fake {
            /// A client builder for the registered client, pointed at the fake, on its clock.
            pub fn client_builder(&self) -> $builder {
                let config = self.server.config();
                let builder = $client::builder(config.client_id())
                    .base_url(self.server.base_url())
                    .clock(self.server.clock());
                let builder = match config.client_secret() {
                    Some(secret) => builder.client_secret(secret),
                    None => builder,
                };
                let more: fn($builder) -> $builder = $more;
                more(builder)
            }

            /// Starts one with this configuration (client, lifetimes, clock).
            pub fn start_with(config: $crate::FakeConfig) -> ::std::io::Result<Self> {
                Ok(Self {
                    server: $crate::FakeServer::start($routes, config)?,
                })
            }

            /// The registered client, pointed at the fake, on its clock.
            ///
            /// # Panics
            /// When the fake was started with a configuration the client's builder refuses
            /// (never for the one `start` uses).
            pub fn client(&self) -> $client {
                self.client_builder()
                    .build()
                    .expect("the fake's client configuration is valid")
            }
        }

        impl ::std::ops::Deref for $fake {
            type Target = $crate::FakeServer;

            fn deref(&self) -> &$crate::FakeServer {
                &self.server
            }
        }
    };
}
