//! Wires the generated client to oauth-core's request and execution hooks.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::generated::Client;

impl ClientHooks for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        oauth_core::http::prepare_request(request);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        oauth_core::http::execute(self.client(), request, info.operation_id).await
    }
}
