use humdex_model::{ChangeKind, Role};
use humdex_store::{Error, FailureKey, NewApiToken};
use jiff::{SignedDuration, Timestamp};

use crate::util::{OkOn, add_user, now, stores};

/// The clock to the millisecond, as the store keeps times.
fn at_ms() -> Timestamp {
    Timestamp::from_millisecond(now().as_millisecond()).unwrap()
}

#[tokio::test]
async fn password_changes_and_disabling_end_sessions() {
    for backend in stores().await {
        let store = &backend.store;
        add_user(&backend, "ana").await;
        let at = at_ms();
        store
            .start_session("here", "ana", at)
            .await
            .ok_on(backend.name);
        store
            .start_session("there", "ana", at)
            .await
            .ok_on(backend.name);

        store
            .set_password("ana", "ana", "$new-hash".to_owned(), Some("here"), at)
            .await
            .ok_on(backend.name);
        assert!(store.session("here").await.is_ok(), "{}", backend.name);
        assert!(matches!(store.session("there").await, Err(Error::NotFound)));
        let (_, hash) = store.sign_in_details("ana").await.ok_on(backend.name);
        assert_eq!(hash, "$new-hash");

        let head = store.journal_head().await.ok_on(backend.name);
        assert!(matches!(
            store.set_disabled("admin", "zed", true, at).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            store
                .set_password("admin", "zed", "$x".to_owned(), None, at)
                .await,
            Err(Error::NotFound)
        ));
        assert_eq!(
            store.journal_head().await.ok_on(backend.name),
            head,
            "{}: refusals journal nothing",
            backend.name
        );

        assert!(
            store
                .set_disabled("admin", "ana", true, at)
                .await
                .ok_on(backend.name)
        );
        assert!(
            !store
                .set_disabled("admin", "ana", true, at)
                .await
                .ok_on(backend.name)
        );
        assert!(matches!(store.session("here").await, Err(Error::NotFound)));
        assert!(store.account("ana").await.ok_on(backend.name).disabled);
        assert!(
            store
                .set_disabled("admin", "ana", false, at)
                .await
                .ok_on(backend.name)
        );

        let changes = store.journal_after(head - 1, 100).await.ok_on(backend.name);
        let seen: Vec<_> = changes
            .iter()
            .filter(|change| change.subject == "ana")
            .map(|change| (change.change, change.version, change.actor.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (ChangeKind::PasswordChanged, 2, "ana"),
                (ChangeKind::UserDisabled, 3, "admin"),
                (ChangeKind::UserEnabled, 4, "admin"),
            ],
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn a_totp_step_and_a_recovery_code_are_accepted_once() {
    for backend in stores().await {
        let store = &backend.store;
        add_user(&backend, "ana").await;
        let at = at_ms();
        store
            .set_pending_mfa("ana", "PENDING")
            .await
            .ok_on(backend.name);
        let head = store.journal_head().await.ok_on(backend.name);
        let stale = store
            .enable_mfa("ana", "ana", "OTHER", 100, vec!["h1".to_owned()], at)
            .await;
        assert!(matches!(stale, Err(Error::Invalid(_))), "{}", backend.name);
        assert_eq!(store.journal_head().await.ok_on(backend.name), head);
        assert_eq!(
            store.recovery_codes_left("ana").await.ok_on(backend.name),
            0
        );

        let hashes = vec!["h1".to_owned(), "h2".to_owned()];
        store
            .enable_mfa("ana", "ana", "PENDING", 100, hashes, at)
            .await
            .ok_on(backend.name);
        let state = store.mfa_state("ana").await.ok_on(backend.name);
        assert_eq!(state.secret.as_deref(), Some("PENDING"));
        assert_eq!((state.pending_secret, state.last_step), (None, Some(100)));
        assert!(store.account("ana").await.ok_on(backend.name).mfa_enabled);

        assert!(!store.accept_mfa_step("ana", 100).await.ok_on(backend.name));
        assert!(!store.accept_mfa_step("ana", 99).await.ok_on(backend.name));
        // Racing sign-ins with one code: exactly one wins.
        let racing =
            futures::future::join_all((0..8).map(|_| store.accept_mfa_step("ana", 101))).await;
        let won = racing
            .into_iter()
            .filter(|accepted| *accepted.as_ref().unwrap())
            .count();
        assert_eq!(won, 1, "{}", backend.name);

        assert!(
            store
                .use_recovery_code("ana", "h1")
                .await
                .ok_on(backend.name)
        );
        assert!(
            !store
                .use_recovery_code("ana", "h1")
                .await
                .ok_on(backend.name)
        );
        assert_eq!(
            store.recovery_codes_left("ana").await.ok_on(backend.name),
            1
        );

        assert!(
            store
                .disable_mfa("admin", "ana", at)
                .await
                .ok_on(backend.name)
        );
        assert!(
            !store
                .disable_mfa("admin", "ana", at)
                .await
                .ok_on(backend.name)
        );
        assert!(matches!(
            store.disable_mfa("admin", "zed", at).await,
            Err(Error::NotFound)
        ));
        assert_eq!(
            store.recovery_codes_left("ana").await.ok_on(backend.name),
            0
        );
        assert!(!store.accept_mfa_step("ana", 200).await.ok_on(backend.name));

        let kinds: Vec<_> = store
            .journal_after(head, 100)
            .await
            .ok_on(backend.name)
            .into_iter()
            .map(|change| change.change)
            .collect();
        assert_eq!(
            kinds,
            [ChangeKind::MfaEnabled, ChangeKind::MfaDisabled],
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn challenges_are_single_use_and_expire() {
    for backend in stores().await {
        let store = &backend.store;
        add_user(&backend, "ana").await;
        let at = at_ms();
        let expires = at + SignedDuration::from_mins(5);
        store
            .start_mfa_challenge("c1", "ana", expires, at)
            .await
            .ok_on(backend.name);
        store
            .start_mfa_challenge("c2", "ana", expires, at)
            .await
            .ok_on(backend.name);
        let taken = store.take_mfa_challenge("c1", at).await.ok_on(backend.name);
        assert_eq!(taken.as_deref(), Some("ana"), "{}", backend.name);
        assert_eq!(
            store.take_mfa_challenge("c1", at).await.ok_on(backend.name),
            None
        );
        let late = expires + SignedDuration::from_secs(1);
        assert_eq!(
            store
                .take_mfa_challenge("c2", late)
                .await
                .ok_on(backend.name),
            None
        );
        assert_eq!(
            store
                .take_mfa_challenge("nope", at)
                .await
                .ok_on(backend.name),
            None
        );
    }
}

#[tokio::test]
async fn login_failures_count_within_their_window() {
    for backend in stores().await {
        let store = &backend.store;
        let start = at_ms();
        let window = SignedDuration::from_mins(15);
        for minute in 0..3 {
            let at = start + SignedDuration::from_mins(minute);
            let keys = [FailureKey::Account("ana"), FailureKey::Address("10.0.0.1")];
            store
                .record_login_failure(&keys, at, at - window)
                .await
                .ok_on(backend.name);
        }
        let at = start + SignedDuration::from_mins(3);
        let account = store
            .recent_login_failures(FailureKey::Account("ana"), at - window, 5)
            .await
            .ok_on(backend.name);
        assert_eq!(
            account,
            [2, 1, 0].map(|minute| start + SignedDuration::from_mins(minute)),
            "{}: latest first",
            backend.name
        );
        let recent = store
            .recent_login_failures(FailureKey::Address("10.0.0.1"), start, 5)
            .await
            .ok_on(backend.name);
        assert_eq!(recent.len(), 2, "{}: only after `since`", backend.name);
        // Names and addresses are separate counts.
        let other = store
            .recent_login_failures(FailureKey::Address("ana"), at - window, 5)
            .await
            .ok_on(backend.name);
        assert!(other.is_empty(), "{}", backend.name);

        store
            .forget_login_failures(FailureKey::Account("ana"))
            .await
            .ok_on(backend.name);
        let forgotten = store
            .recent_login_failures(FailureKey::Account("ana"), at - window, 5)
            .await
            .ok_on(backend.name);
        assert!(forgotten.is_empty(), "{}", backend.name);
        let kept = store
            .recent_login_failures(FailureKey::Address("10.0.0.1"), at - window, 5)
            .await
            .ok_on(backend.name);
        assert_eq!(kept.len(), 3, "{}", backend.name);
    }
}

#[tokio::test]
async fn api_tokens_are_created_listed_and_revoked() {
    for backend in stores().await {
        let store = &backend.store;
        add_user(&backend, "ana").await;
        let at = at_ms();
        let token = |username: &str, hash: &str| NewApiToken {
            token_hash: hash.to_owned(),
            username: username.parse().unwrap(),
            name: "bridge".to_owned(),
            scopes: vec!["records:read".to_owned()],
            expires: at + SignedDuration::from_hours(1),
        };
        let head = store.journal_head().await.ok_on(backend.name);
        let unknown = store
            .create_api_token("admin", token("zed", "h0"), at)
            .await;
        assert!(
            matches!(unknown, Err(Error::Invalid(_))),
            "{}",
            backend.name
        );
        assert_eq!(store.journal_head().await.ok_on(backend.name), head);

        let created = store
            .create_api_token("admin", token("ana", "h1"), at)
            .await
            .ok_on(backend.name);
        assert_eq!(created.scopes, ["records:read"]);
        let grant = store.api_token_grant("h1").await.ok_on(backend.name);
        assert_eq!(grant.user.username.as_str(), "ana");
        assert_eq!(grant.token, created);
        assert!(matches!(
            store.api_token_grant("h2").await,
            Err(Error::NotFound)
        ));

        store
            .set_disabled("admin", "ana", true, at)
            .await
            .ok_on(backend.name);
        assert!(matches!(
            store.api_token_grant("h1").await,
            Err(Error::NotFound)
        ));
        store
            .set_disabled("admin", "ana", false, at)
            .await
            .ok_on(backend.name);

        assert!(
            store
                .revoke_api_token("ana", &created.id, at)
                .await
                .ok_on(backend.name)
        );
        assert!(
            !store
                .revoke_api_token("ana", &created.id, at)
                .await
                .ok_on(backend.name)
        );
        assert!(matches!(
            store.revoke_api_token("ana", "no-such-token", at).await,
            Err(Error::NotFound)
        ));
        let revoked = store.api_token(&created.id).await.ok_on(backend.name);
        assert_eq!(revoked.revoked, Some(at));
        assert_eq!(
            store.api_tokens(Some("ana")).await.ok_on(backend.name),
            std::slice::from_ref(&revoked)
        );
        assert_eq!(store.api_tokens(None).await.ok_on(backend.name), [revoked]);
        assert!(
            store
                .api_tokens(Some("ben"))
                .await
                .ok_on(backend.name)
                .is_empty()
        );

        let changes: Vec<_> = store
            .journal_after(head, 100)
            .await
            .ok_on(backend.name)
            .into_iter()
            .filter(|change| change.subject == created.id)
            .map(|change| (change.change, change.version))
            .collect();
        assert_eq!(
            changes,
            [(ChangeKind::TokenCreated, 1), (ChangeKind::TokenRevoked, 2)],
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn the_mfa_policy_marks_the_sessions_of_its_roles() {
    for backend in stores().await {
        let store = &backend.store;
        add_user(&backend, "ana").await;
        let at = at_ms();
        store
            .start_session("s", "ana", at)
            .await
            .ok_on(backend.name);
        assert!(!store.session("s").await.ok_on(backend.name).mfa_required);

        store
            .set_mfa_policy("admin", vec![Role::Analyst, Role::Admin], at)
            .await
            .ok_on(backend.name);
        let session = store.session("s").await.ok_on(backend.name);
        assert!(
            session.mfa_required && !session.mfa_enabled,
            "{}",
            backend.name
        );
        assert_eq!(
            store.mfa_policy().await.ok_on(backend.name),
            [Role::Admin, Role::Analyst]
        );
        store
            .set_mfa_policy("admin", vec![], at)
            .await
            .ok_on(backend.name);
        assert!(store.mfa_policy().await.ok_on(backend.name).is_empty());
        assert!(!store.session("s").await.ok_on(backend.name).mfa_required);

        let versions: Vec<_> = store
            .journal_after(0, 100)
            .await
            .ok_on(backend.name)
            .into_iter()
            .filter(|change| change.change == ChangeKind::MfaPolicyChanged)
            .map(|change| (change.subject, change.version))
            .collect();
        assert_eq!(
            versions,
            [("mfa_policy".to_owned(), 1), ("mfa_policy".to_owned(), 2)],
            "{}",
            backend.name
        );
    }
}
