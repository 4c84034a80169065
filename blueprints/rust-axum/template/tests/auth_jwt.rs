//! Bearer-token authentication against a JWKS served on 127.0.0.1 by the tests.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::jwt::{
    AUDIENCE, EC_KID, ISSUER, RSA_KID, Signer, bearer, fixture, fixture_with, keys, now, rsa_jwk,
    rsa_public_pem, state_with, timing, token, token_of_type, token_with_header, valid_claims,
};
use common::{assert_security_headers, call, call_with_body, get, wait_until_ready};
use serde_json::json;

const SLOW_REFRESH: Duration = Duration::from_secs(30);

fn rs256(claims: &serde_json::Value) -> String {
    token(&Signer::Rs256(&keys().rsa), Some(RSA_KID), claims)
}

#[tokio::test]
async fn valid_rs256_token_is_accepted() {
    let f = fixture(SLOW_REFRESH).await;
    let reply = get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims())))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({ "sub": "user-123" }));
    assert_security_headers(&reply);
}

#[tokio::test]
async fn valid_es256_token_is_accepted() {
    let f = fixture(SLOW_REFRESH).await;
    let jwt = token(&Signer::Es256(&keys().ec), Some(EC_KID), &valid_claims());
    let reply = get(&f.app, "/v1/whoami", Some(&bearer(&jwt))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["sub"], "user-123");
}

#[tokio::test]
async fn audience_may_be_a_list() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims["aud"] = json!(["other-api", AUDIENCE]);
    let reply = get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims)))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn missing_token_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let reply = get(&f.app, "/v1/whoami", None).await;
    reply.assert_unauthorized();
    assert_eq!(reply.header("www-authenticate"), "Bearer");
    assert_security_headers(&reply);
}

#[tokio::test]
async fn malformed_authorization_header_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    for header in [
        "Bearer",
        "Bearer ",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer a.b",
        "Bearer ....",
    ] {
        get(&f.app, "/v1/whoami", Some(header))
            .await
            .assert_unauthorized();
    }
}

#[tokio::test]
async fn wrong_scheme_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    get(&f.app, "/v1/whoami", Some("Basic dXNlcjpwYXNzd29yZA=="))
        .await
        .assert_unauthorized();
    // A valid token under another scheme is refused too.
    let jwt = rs256(&valid_claims());
    get(&f.app, "/v1/whoami", Some(&format!("Token {jwt}")))
        .await
        .assert_unauthorized();
    get(&f.app, "/v1/whoami", Some(&jwt))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn forged_signature_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    // Signed by a key the issuer does not have, claiming the issuer's kid.
    let forged = token(
        &Signer::Rs256(&keys().other_rsa),
        Some(RSA_KID),
        &valid_claims(),
    );
    get(&f.app, "/v1/whoami", Some(&bearer(&forged)))
        .await
        .assert_unauthorized();
    // A genuine signature over different claims.
    let genuine = rs256(&valid_claims());
    let mut admin = valid_claims();
    admin["sub"] = json!("admin");
    let tampered_claims = rs256(&admin);
    let parts: Vec<&str> = genuine.split('.').collect();
    let other: Vec<&str> = tampered_claims.split('.').collect();
    let spliced = format!("{}.{}.{}", parts[0], other[1], parts[2]);
    get(&f.app, "/v1/whoami", Some(&bearer(&spliced)))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn expired_token_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims["exp"] = json!(now() - 120);
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims))))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn small_clock_skew_is_tolerated() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims["exp"] = json!(now() - 10);
    claims["nbf"] = json!(now() + 10);
    let reply = get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims)))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn token_without_exp_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims.as_object_mut().unwrap().remove("exp");
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims))))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn token_without_sub_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims.as_object_mut().unwrap().remove("sub");
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims))))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn not_yet_valid_token_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims["nbf"] = json!(now() + 300);
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims))))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims["aud"] = json!("another-api");
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims))))
        .await
        .assert_unauthorized();
    claims.as_object_mut().unwrap().remove("aud");
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims))))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn wrong_issuer_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims["iss"] = json!("https://evil.test/");
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims))))
        .await
        .assert_unauthorized();
    claims.as_object_mut().unwrap().remove("iss");
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims))))
        .await
        .assert_unauthorized();
    assert_eq!(ISSUER, "https://issuer.test/");
}

#[tokio::test]
async fn alg_none_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let unsigned = token(&Signer::Unsigned, Some(RSA_KID), &valid_claims());
    get(&f.app, "/v1/whoami", Some(&bearer(&unsigned)))
        .await
        .assert_unauthorized();
    // Same with a signature part that is not empty.
    let with_signature = format!("{unsigned}c2lnbmF0dXJl");
    get(&f.app, "/v1/whoami", Some(&bearer(&with_signature)))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn hmac_signed_with_the_public_key_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let pem = rsa_public_pem(&keys().rsa);
    let confused = token(
        &Signer::Hs256(pem.as_bytes()),
        Some(RSA_KID),
        &valid_claims(),
    );
    get(&f.app, "/v1/whoami", Some(&bearer(&confused)))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn algorithm_must_match_the_key() {
    let f = fixture(SLOW_REFRESH).await;
    // ES256 signature presented under the RSA key's kid, and the reverse.
    let ec_as_rsa = token(&Signer::Es256(&keys().ec), Some(RSA_KID), &valid_claims());
    get(&f.app, "/v1/whoami", Some(&bearer(&ec_as_rsa)))
        .await
        .assert_unauthorized();
    let rsa_as_ec = token(&Signer::Rs256(&keys().rsa), Some(EC_KID), &valid_claims());
    get(&f.app, "/v1/whoami", Some(&bearer(&rsa_as_ec)))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn token_without_kid_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let jwt = token(&Signer::Rs256(&keys().rsa), None, &valid_claims());
    get(&f.app, "/v1/whoami", Some(&bearer(&jwt)))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn unknown_kid_refetches_the_jwks_at_a_bounded_rate() {
    let f = fixture(Duration::from_secs(1)).await;
    let ok = get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims())))).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(f.jwks.fetches(), 1, "keys fetched once, at start-up");

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let unknown = token(
        &Signer::Rs256(&keys().other_rsa),
        Some("unknown"),
        &valid_claims(),
    );
    get(&f.app, "/v1/whoami", Some(&bearer(&unknown)))
        .await
        .assert_unauthorized();
    assert_eq!(f.jwks.fetches(), 2, "an unknown kid triggers a refetch");

    // Within the interval, more unknown kids do not hit the issuer again.
    for _ in 0..5 {
        get(&f.app, "/v1/whoami", Some(&bearer(&unknown)))
            .await
            .assert_unauthorized();
    }
    assert_eq!(f.jwks.fetches(), 2, "refetches are rate limited");

    // Known keys keep working from the cache meanwhile.
    let ok = get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims())))).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(f.jwks.fetches(), 2);
}

#[tokio::test]
async fn rotated_in_key_is_picked_up() {
    let f = fixture(Duration::from_millis(100)).await;
    let ok = get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims())))).await;
    assert_eq!(ok.status, StatusCode::OK);

    f.jwks.set_keys(vec![rsa_jwk(&keys().other_rsa, "rsa-2")]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rotated = token(
        &Signer::Rs256(&keys().other_rsa),
        Some("rsa-2"),
        &valid_claims(),
    );
    let reply = get(&f.app, "/v1/whoami", Some(&bearer(&rotated))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // The old key was removed from the set: its tokens no longer verify.
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims()))))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn unreachable_jwks_fails_closed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    drop(listener);
    let state = state_with(&url, timing(SLOW_REFRESH, Duration::from_secs(3600)), &[]);
    let app = common::service::app::app(state);
    get(&app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims()))))
        .await
        .assert_unauthorized();
    assert_eq!(
        get(&app, "/readyz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_after_authentication() {
    let f = fixture(SLOW_REFRESH).await;
    let big = vec![b'x'; common::service::app::BODY_LIMIT + 1];
    call_with_body(&f.app, Method::POST, "/v1/whoami", None, big.clone())
        .await
        .assert_unauthorized();
    let token = bearer(&rs256(&valid_claims()));
    let reply = call_with_body(&f.app, Method::POST, "/v1/whoami", Some(&token), big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_security_headers(&reply);
}

#[tokio::test]
async fn health_endpoints_are_public() {
    let f = fixture(SLOW_REFRESH).await;
    for path in ["/healthz", "/readyz"] {
        let reply = get(&f.app, path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_security_headers(&reply);
    }
    assert_eq!(f.jwks.fetches(), 1, "only the start-up fetch");
}

#[tokio::test]
async fn everything_else_requires_authentication() {
    let f = fixture(SLOW_REFRESH).await;
    for path in ["/", "/nope", "/healthz/", "/v1", "/v1/whoami/", "/admin"] {
        get(&f.app, path, None).await.assert_unauthorized();
    }
    call(&f.app, Method::POST, "/healthz", None)
        .await
        .assert_unauthorized();
    call(&f.app, Method::DELETE, "/v1/whoami", None)
        .await
        .assert_unauthorized();
    // Authenticated, an unknown route is a plain 404.
    let reply = get(&f.app, "/nope", Some(&bearer(&rs256(&valid_claims())))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

// ---- the key set's life cycle: fetched at start-up, refreshed in the background

/// Polls `check` every 20 ms for at most `limit`.
async fn eventually(limit: Duration, check: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}

#[tokio::test]
async fn keys_are_fetched_at_start_up_before_any_request() {
    let f = fixture_with(timing(SLOW_REFRESH, Duration::from_secs(3600)), &[]).await;
    assert!(
        eventually(Duration::from_secs(5), || f.jwks.fetches() == 1).await,
        "no fetch at start-up"
    );
    assert!(eventually(Duration::from_secs(5), || f.state.auth.is_ready()).await);
}

#[tokio::test]
async fn readiness_fails_until_the_keys_are_loaded() {
    let (jwks, url) = common::jwt::start_jwks(vec![rsa_jwk(&keys().rsa, RSA_KID)]).await;
    jwks.fail_with(Some(StatusCode::SERVICE_UNAVAILABLE));
    let state = state_with(&url, timing(SLOW_REFRESH, Duration::from_secs(3600)), &[]);
    let app = common::service::app::app(state);
    assert!(
        eventually(Duration::from_secs(5), || jwks.fetches() >= 2).await,
        "no retries"
    );
    let reply = get(&app, "/readyz", None).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    get(&app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims()))))
        .await
        .assert_unauthorized();

    // The issuer comes back: the retries pick the keys up without any request.
    jwks.fail_with(None);
    wait_until_ready(&app).await;
    let reply = get(&app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims())))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn keys_expire_when_refreshes_keep_failing() {
    let mut timing = timing(SLOW_REFRESH, Duration::from_millis(1500));
    timing.refresh_every = Duration::from_millis(100);
    let f = fixture_with(timing, &[]).await;
    wait_until_ready(&f.app).await;
    f.jwks.fail_with(Some(StatusCode::INTERNAL_SERVER_ERROR));
    // Still usable for a while after the last good fetch …
    let ok = get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims())))).await;
    assert_eq!(ok.status, StatusCode::OK);
    // … then refused, and the instance leaves the load balancer.
    assert!(
        eventually(Duration::from_secs(5), || !f.state.auth.is_ready()).await,
        "stale keys stayed valid"
    );
    assert_eq!(
        get(&f.app, "/readyz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&valid_claims()))))
        .await
        .assert_unauthorized();
    f.jwks.fail_with(None);
    wait_until_ready(&f.app).await;
}

#[tokio::test]
async fn a_client_that_gives_up_does_not_cancel_the_refetch() {
    let f = fixture(Duration::from_millis(100)).await;
    assert_eq!(f.jwks.fetches(), 1);
    tokio::time::sleep(Duration::from_millis(150)).await;
    // The issuer rotates to a new key and answers slowly.
    f.jwks.set_keys(vec![rsa_jwk(&keys().other_rsa, "rsa-2")]);
    f.jwks.set_delay(Duration::from_millis(400));
    let rotated = token(
        &Signer::Rs256(&keys().other_rsa),
        Some("rsa-2"),
        &valid_claims(),
    );
    // A client sends a token with the new kid and disconnects after 50 ms.
    let gave_up = tokio::time::timeout(
        Duration::from_millis(50),
        get(&f.app, "/v1/whoami", Some(&bearer(&rotated))),
    )
    .await;
    assert!(gave_up.is_err(), "the request should still be waiting");
    // The fetch it started completes anyway, and the new key is there for the next
    // request without another fetch.
    assert!(
        eventually(Duration::from_secs(5), || f
            .jwks
            .answered
            .load(Ordering::SeqCst)
            == 2)
        .await,
        "the refetch was cancelled"
    );
    f.jwks.set_delay(Duration::ZERO);
    let reply = get(&f.app, "/v1/whoami", Some(&bearer(&rotated))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(f.jwks.fetches(), 2, "one fetch for the rotation");
}

#[tokio::test]
async fn concurrent_unknown_kids_share_one_fetch() {
    // A refetch interval long enough that a request scheduled late still falls in it.
    let f = fixture(Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    f.jwks.set_delay(Duration::from_millis(200));
    let unknown = token(
        &Signer::Rs256(&keys().other_rsa),
        Some("unknown"),
        &valid_claims(),
    );
    let header = bearer(&unknown);
    let replies = futures_join(&f.app, &header, 8).await;
    for reply in replies {
        reply.assert_unauthorized();
    }
    assert_eq!(f.jwks.fetches(), 2, "one refetch, however many requests");
}

async fn futures_join(
    app: &common::service::app::App,
    header: &str,
    n: usize,
) -> Vec<common::Reply> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let app = app.clone();
        let header = header.to_owned();
        tasks.push(tokio::spawn(async move {
            get(&app, "/v1/whoami", Some(&header)).await
        }));
    }
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("task"));
    }
    replies
}

// ---- token semantics: type, client, scopes

#[tokio::test]
async fn token_issued_in_the_future_is_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims["iat"] = json!(now() + 300);
    get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims))))
        .await
        .assert_unauthorized();
    // Within the leeway, as for nbf.
    claims["iat"] = json!(now() + 10);
    let reply = get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims)))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

#[tokio::test]
async fn critical_header_extensions_are_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let signer = Signer::Rs256(&keys().rsa);
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": RSA_KID, "crit": ["x-unknown"], "x-unknown": true });
    let jwt = token_with_header(&signer, &header, &valid_claims());
    get(&f.app, "/v1/whoami", Some(&bearer(&jwt)))
        .await
        .assert_unauthorized();
}

#[tokio::test]
async fn access_token_types_are_accepted_and_others_refused() {
    let f = fixture(SLOW_REFRESH).await;
    let signer = Signer::Rs256(&keys().rsa);
    for (typ, accepted) in [
        (Some("at+jwt"), true),
        (Some("application/at+jwt"), true),
        (Some("JWT"), true),
        (None, true),
        (Some("logout+jwt"), false),
        (Some("dpop+jwt"), false),
        (Some("secevent+jwt"), false),
    ] {
        let jwt = token_of_type(&signer, Some(RSA_KID), typ, &valid_claims());
        let reply = get(&f.app, "/v1/whoami", Some(&bearer(&jwt))).await;
        if accepted {
            assert_eq!(reply.status, StatusCode::OK, "{typ:?}: {}", reply.body);
        } else {
            reply.assert_unauthorized();
        }
    }
}

#[tokio::test]
async fn at_jwt_can_be_required() {
    let f = fixture_with(
        timing(SLOW_REFRESH, Duration::from_secs(3600)),
        &[("AUTH_REQUIRE_AT_JWT", "true")],
    )
    .await;
    wait_until_ready(&f.app).await;
    let signer = Signer::Rs256(&keys().rsa);
    for (typ, accepted) in [
        (Some("at+jwt"), true),
        (Some("application/at+jwt"), true),
        (Some("JWT"), false),
        (None, false),
    ] {
        let jwt = token_of_type(&signer, Some(RSA_KID), typ, &valid_claims());
        let reply = get(&f.app, "/v1/whoami", Some(&bearer(&jwt))).await;
        if accepted {
            assert_eq!(reply.status, StatusCode::OK, "{typ:?}: {}", reply.body);
        } else {
            reply.assert_unauthorized();
        }
    }
}

#[tokio::test]
async fn only_allowed_clients_when_configured() {
    let f = fixture_with(
        timing(SLOW_REFRESH, Duration::from_secs(3600)),
        &[("AUTH_ALLOWED_CLIENTS", "web-app, cli")],
    )
    .await;
    wait_until_ready(&f.app).await;
    let with = |name: &str, value: &str| {
        let mut claims = valid_claims();
        claims[name] = json!(value);
        bearer(&rs256(&claims))
    };
    for (claims, accepted) in [
        (with("client_id", "web-app"), true),
        (with("azp", "cli"), true),
        (with("client_id", "other-app"), false),
        (with("azp", "other-app"), false),
        (bearer(&rs256(&valid_claims())), false),
    ] {
        let reply = get(&f.app, "/v1/whoami", Some(&claims)).await;
        if accepted {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        } else {
            reply.assert_unauthorized();
        }
    }
    // Without the variable, any client's token is accepted.
    let open = fixture(SLOW_REFRESH).await;
    let reply = get(
        &open.app,
        "/v1/whoami",
        Some(&with("client_id", "other-app")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn scoped_route_needs_the_scope() {
    let f = fixture(SLOW_REFRESH).await;
    let app = common::scoped_app(f.state.clone());
    get(&app, "/scoped", None).await.assert_unauthorized();
    let forged = token(
        &Signer::Rs256(&keys().other_rsa),
        Some(RSA_KID),
        &valid_claims(),
    );
    get(&app, "/scoped", Some(&bearer(&forged)))
        .await
        .assert_unauthorized();

    let with_scopes = |claim: &str, value: serde_json::Value| {
        let mut claims = valid_claims();
        claims[claim] = value;
        bearer(&rs256(&claims))
    };
    for (claims, allowed) in [
        (bearer(&rs256(&valid_claims())), false),
        (with_scopes("scope", json!("read write")), false),
        (with_scopes("scope", json!("administrator")), false),
        (with_scopes("roles", json!(["admin"])), false),
        (with_scopes("scope", json!("read admin")), true),
        (with_scopes("scp", json!(["admin"])), true),
    ] {
        let reply = get(&app, "/scoped", Some(&claims)).await;
        if allowed {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            assert_eq!(reply.body["sub"], "user-123");
        } else {
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
            assert_eq!(reply.body, json!({ "error": "forbidden" }));
            assert!(
                reply
                    .header("www-authenticate")
                    .contains("insufficient_scope")
            );
            assert_security_headers(&reply);
        }
    }
}

#[tokio::test]
async fn whoami_answers_only_the_subject() {
    let f = fixture(SLOW_REFRESH).await;
    let mut claims = valid_claims();
    claims["scope"] = json!("admin");
    let reply = get(&f.app, "/v1/whoami", Some(&bearer(&rs256(&claims)))).await;
    assert_eq!(reply.body, json!({ "sub": "user-123" }));
}
