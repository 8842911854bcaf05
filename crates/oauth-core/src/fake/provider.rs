//! What every provider's fake type shares, as a macro the provider crates expand.

/// Expands, for a provider's `struct $fake { server: FakeServer }` that has a
/// `client_builder(&self)` method, to `start_with`, `client` and `Deref<Target = FakeServer>`
/// (counters, faults, revocation, clock and grant state):
/// `oauth_core::fake_provider!(FakeRingCentral, routes::RingCentralRoutes, RingCentralClient);`.
#[macro_export]
macro_rules! fake_provider {
    ($fake:ident, $routes:expr, $client:ty) => {
        impl $fake {
            /// Starts one with this configuration (client, lifetimes, clock).
            pub fn start_with(config: $crate::fake::FakeConfig) -> ::std::io::Result<Self> {
                Ok(Self {
                    server: $crate::fake::FakeServer::start($routes, config)?,
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
            type Target = $crate::fake::FakeServer;

            fn deref(&self) -> &$crate::fake::FakeServer {
                &self.server
            }
        }
    };
}
