use humdex_model::{
    ChangeKind, Layer, LayerFeature, MAX_POSITIONS_PER_CALL, NewLayer, NewLayerFeature,
    NewPosition, NewTrack, Reader, Role,
};
use humdex_store::Error;
use jiff::Timestamp;

use crate::graph::{assert_not_found, at_ms, invalid_field, journal_since, only_entry};
use crate::util::{OkOn, define, label, later, reader, stores};

/// ana may write and read LE and PII; carl holds nothing.
fn ana() -> Reader {
    reader("ana", Role::Analyst, &["LE", "PII"])
}

fn carl() -> Reader {
    reader("carl", Role::Analyst, &[])
}

fn shelter(name: &str, lat: f64, lon: f64) -> NewLayerFeature {
    NewLayerFeature {
        name: name.to_owned(),
        lat,
        lon,
        geometry: None,
        properties: r#"{"beds": 12}"#.to_owned(),
        label: None,
    }
}

fn public_layer() -> NewLayer {
    NewLayer {
        name: "Shelters".to_owned(),
        description: "Safe houses run by partner NGOs".to_owned(),
        public: true,
        label: None,
        source: "csv".to_owned(),
        features: vec![
            shelter("North", 52.25, 21.0),
            shelter("South", 50.06, 19.94),
        ],
    }
}

fn private_layer() -> NewLayer {
    NewLayer {
        name: "Police liaison offices".to_owned(),
        public: false,
        label: Some(label("LE")),
        source: "geojson".to_owned(),
        features: vec![
            NewLayerFeature {
                geometry: Some(r#"{"type": "Point", "coordinates": [21.0, 52.25]}"#.to_owned()),
                ..shelter("Central", 52.25, 21.0)
            },
            NewLayerFeature {
                label: Some(label("PII")),
                ..shelter("Witness desk", 52.26, 21.01)
            },
        ],
        ..public_layer()
    }
}

#[tokio::test]
async fn layers_are_created_with_their_features_and_deleted_by_their_readers() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        define(&backend, &["LE", "PII", "SECRET"]).await;

        let head = store.journal_head().await.ok_on(name);
        let at = at_ms();
        let public = store
            .create_layer(&ana(), public_layer(), at)
            .await
            .ok_on(name);
        assert_eq!(
            public,
            Layer {
                id: public.id,
                name: "Shelters".to_owned(),
                description: "Safe houses run by partner NGOs".to_owned(),
                public: true,
                label: None,
                source: "csv".to_owned(),
                features: 2,
                actor: "ana".to_owned(),
                at,
            },
            "{name}"
        );
        only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::LayerCreated,
            &public.id.to_string(),
            "ana",
            None,
        );
        let head = store.journal_head().await.ok_on(name);
        let private = store
            .create_layer(&ana(), private_layer(), later(at, 1))
            .await
            .ok_on(name);
        only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::LayerCreated,
            &private.id.to_string(),
            "ana",
            Some("LE"),
        );
        assert_eq!(
            store.layer(private.id).await.ok_on(name),
            Some(private.clone()),
            "{name}"
        );
        assert_eq!(
            store.layer_features(private.id).await.ok_on(name),
            [
                LayerFeature {
                    layer: private.id,
                    n: 0,
                    name: "Central".to_owned(),
                    lat: 52.25,
                    lon: 21.0,
                    geometry: Some(r#"{"type": "Point", "coordinates": [21.0, 52.25]}"#.to_owned()),
                    properties: r#"{"beds": 12}"#.to_owned(),
                    label: Some(label("LE")),
                },
                LayerFeature {
                    layer: private.id,
                    n: 1,
                    name: "Witness desk".to_owned(),
                    lat: 52.26,
                    lon: 21.01,
                    geometry: None,
                    properties: r#"{"beds": 12}"#.to_owned(),
                    label: Some(label("(LE)&(PII)")),
                },
            ],
            "{name}: each feature carries the layer's label and its own"
        );

        // Refusals change nothing.
        let head = store.journal_head().await.ok_on(name);
        let labelled = |label_text: &str| NewLayer {
            label: Some(label(label_text)),
            ..private_layer()
        };
        let refused = [
            (
                "label",
                NewLayer {
                    label: Some(label("LE")),
                    ..public_layer()
                },
            ),
            (
                "features.1.label",
                NewLayer {
                    features: private_layer().features,
                    label: None,
                    ..public_layer()
                },
            ),
            (
                "features.0.lat",
                NewLayer {
                    features: vec![shelter("Nowhere", 95.0, 0.0)],
                    ..public_layer()
                },
            ),
            (
                "name",
                NewLayer {
                    name: String::new(),
                    ..public_layer()
                },
            ),
            ("label", labelled("UNDEFINED")),
        ];
        for (field, new) in refused {
            let result = store.create_layer(&ana(), new, at_ms()).await;
            assert_eq!(invalid_field(name, &result), field, "{name}");
        }
        let result = store
            .create_layer(&ana(), labelled("SECRET"), at_ms())
            .await;
        assert!(
            matches!(result, Err(Error::Denied(_))),
            "{name}: {result:?}"
        );
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");

        // Everyone sees the public layer; only LE holders the other.
        assert_eq!(
            store.layers().await.ok_on(name),
            [public.clone(), private.clone()],
            "{name}"
        );
        assert_eq!(
            store.layers_for(&carl()).await.ok_on(name),
            std::slice::from_ref(&public),
            "{name}"
        );
        assert_eq!(
            store.layers_for(&ana()).await.ok_on(name),
            [public.clone(), private.clone()],
            "{name}"
        );

        assert_not_found(
            name,
            &store.delete_layer(&carl(), private.id, at_ms()).await,
        );
        store
            .delete_layer(&ana(), private.id, at_ms())
            .await
            .ok_on(name);
        only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::LayerDeleted,
            &private.id.to_string(),
            "ana",
            Some("LE"),
        );
        assert_eq!(store.layer(private.id).await.ok_on(name), None, "{name}");
        assert!(
            store
                .layer_features(private.id)
                .await
                .ok_on(name)
                .is_empty(),
            "{name}"
        );
        assert_eq!(store.layers().await.ok_on(name), [public], "{name}");
        assert_not_found(name, &store.delete_layer(&ana(), private.id, at_ms()).await);
    }
}

fn position(at: Timestamp, lat: f64, lon: f64) -> NewPosition {
    NewPosition {
        at,
        lat,
        lon,
        properties: r#"{"speed_knots": 9}"#.to_owned(),
    }
}

#[tokio::test]
async fn tracks_take_positions_from_their_readers_and_filter_them_by_time() {
    for backend in stores().await {
        let (name, store) = (backend.name, &backend.store);
        define(&backend, &["LE", "PII"]).await;
        let vessel = NewTrack {
            name: "MV Example".to_owned(),
            kind: "vessel".to_owned(),
            label: Some(label("LE")),
        };

        let head = store.journal_head().await.ok_on(name);
        let track = store
            .create_track(&ana(), vessel.clone(), at_ms())
            .await
            .ok_on(name);
        assert_eq!(
            (
                track.positions,
                track.first,
                track.last,
                track.actor.as_str()
            ),
            (0, None, None, "ana"),
            "{name}"
        );
        only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::TrackCreated,
            &track.id.to_string(),
            "ana",
            Some("LE"),
        );

        // Given out of order; read back in time order.
        let start = Timestamp::from_millisecond(1_700_000_000_000).unwrap();
        let hour = 3_600_000;
        let positions = [
            position(later(start, 2 * hour), 36.0, 14.5),
            position(start, 35.0, 12.6),
            position(later(start, hour), 35.5, 13.5),
        ];
        let head = store.journal_head().await.ok_on(name);
        let added = store
            .add_positions(&ana(), track.id, &positions, at_ms())
            .await
            .ok_on(name);
        assert_eq!(added, 3, "{name}");
        let entry = only_entry(
            name,
            &journal_since(store, head).await,
            ChangeKind::TrackPositionsAdded,
            &track.id.to_string(),
            "ana",
            Some("LE"),
        );
        assert_eq!(entry.version, 2, "{name}");

        let (summary, all) = store
            .track(&ana(), track.id, None, None)
            .await
            .ok_on(name)
            .unwrap();
        assert_eq!(
            (summary.positions, summary.first, summary.last),
            (3, Some(start), Some(later(start, 2 * hour))),
            "{name}"
        );
        assert_eq!(
            all.iter()
                .map(|position| (position.at, position.lat, position.lon))
                .collect::<Vec<_>>(),
            [
                (start, 35.0, 12.6),
                (later(start, hour), 35.5, 13.5),
                (later(start, 2 * hour), 36.0, 14.5)
            ],
            "{name}"
        );
        assert!(
            all.iter().all(|position| position.track == track.id
                && position.properties == r#"{"speed_knots": 9}"#),
            "{name}"
        );
        let (_, window) = store
            .track(
                &ana(),
                track.id,
                Some(later(start, hour / 2)),
                Some(later(start, 2 * hour)),
            )
            .await
            .ok_on(name)
            .unwrap();
        assert_eq!(
            window
                .iter()
                .map(|position| position.at)
                .collect::<Vec<_>>(),
            [later(start, hour), later(start, 2 * hour)],
            "{name}: both ends included"
        );
        let (_, before) = store
            .track(&ana(), track.id, None, Some(later(start, hour - 1)))
            .await
            .ok_on(name)
            .unwrap();
        assert_eq!(before.len(), 1, "{name}");

        // Readers without the label see no track and cannot add to it.
        let head = store.journal_head().await.ok_on(name);
        assert_eq!(
            store.track(&carl(), track.id, None, None).await.ok_on(name),
            None,
            "{name}"
        );
        assert_not_found(
            name,
            &store
                .add_positions(&carl(), track.id, &positions, at_ms())
                .await,
        );
        assert_eq!(store.tracks_for(&carl()).await.ok_on(name), [], "{name}");
        assert_eq!(
            store.tracks_for(&ana()).await.ok_on(name),
            std::slice::from_ref(&summary),
            "{name}"
        );
        assert_eq!(store.tracks().await.ok_on(name), [summary], "{name}");

        // Refusals change nothing.
        let too_many = vec![position(start, 0.0, 0.0); MAX_POSITIONS_PER_CALL + 1];
        let refused = [
            (
                "positions",
                store.add_positions(&ana(), track.id, &[], at_ms()).await,
            ),
            (
                "positions",
                store
                    .add_positions(&ana(), track.id, &too_many, at_ms())
                    .await,
            ),
            (
                "positions.1.lat",
                store
                    .add_positions(
                        &ana(),
                        track.id,
                        &[position(start, 0.0, 0.0), position(start, 91.0, 0.0)],
                        at_ms(),
                    )
                    .await,
            ),
        ];
        for (field, result) in refused {
            assert_eq!(invalid_field(name, &result), field, "{name}");
        }
        let boat = NewTrack {
            kind: "boat".to_owned(),
            ..vessel
        };
        let result = store.create_track(&ana(), boat, at_ms()).await;
        assert_eq!(invalid_field(name, &result), "kind", "{name}");
        assert_eq!(store.journal_head().await.ok_on(name), head, "{name}");
        assert_eq!(store.tracks().await.ok_on(name)[0].positions, 3, "{name}");

        // A follower reads positions on by id.
        let first_two = store.positions_after(0, 2).await.ok_on(name);
        assert_eq!(first_two.len(), 2, "{name}");
        let rest = store.positions_after(first_two[1].id, 10).await.ok_on(name);
        assert_eq!(rest.len(), 1, "{name}");
        assert!(
            first_two[0].id < first_two[1].id && first_two[1].id < rest[0].id,
            "{name}"
        );
    }
}
