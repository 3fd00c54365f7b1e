use std::fmt::Write as _;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::support::{Node, Reply, nodes};

async fn get(node: &Node, token: &str, uri: &str) -> Reply {
    node.call(Method::GET, uri, Some(token), None, &[]).await
}

/// Waits until the map, and the search index its `q` filter asks, have read the whole journal.
async fn mapped(node: &Node) {
    let head = node.store.journal_head().await.unwrap();
    node.state.map().caught_up(head).await;
    node.state.searchable(head).await;
}

async fn upload(node: &Node, token: &str, query: &str, file: impl Into<Body>) -> Reply {
    node.send(
        Request::post(format!("/api/v1/layers?{query}"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/octet-stream")
            .body(file.into())
            .unwrap(),
    )
    .await
}

const SHELTERS: &str = "name,latitude,longitude,city,beds\n\
Casa Segura,29.7604,-95.3698,,12\n\
Refugio Norte,,,Dallas,8\n\
Hope House,,,Narnia,4\n\
Safe Harbor,25.7617,-80.1918,,20\n";

#[tokio::test]
async fn a_spreadsheet_of_shelters_becomes_a_layer_that_answers_nearest() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let reply = upload(&node, &ana, "name=Shelters&filename=shelters.csv", SHELTERS).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(reply.body["layer"]["features"], 3);
        assert_eq!(reply.body["geocoded"], 1, "Dallas placed by the gazetteer");
        let unplaced = reply.body["unplaced"].as_array().unwrap();
        assert_eq!(unplaced.len(), 1);
        assert_eq!(unplaced[0]["row"], 3);
        assert!(unplaced[0]["reason"].as_str().unwrap().contains("Narnia"));
        mapped(&node).await;

        // From Galveston: Houston's shelter first, then Dallas's.
        let reply = get(
            &node,
            &ana,
            "/api/v1/map/nearest?lat=29.30&lon=-94.80&layer=Shelters&k=2",
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let found = reply.body.as_array().unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0]["name"], "Casa Segura");
        assert_eq!(found[1]["name"], "Refugio Norte");
        let first = found[0]["distance_m"].as_f64().unwrap();
        assert!((70_000.0..80_000.0).contains(&first), "{first}");
        assert_eq!(found[0]["properties"]["beds"], "12");

        // A restricted layer of safe houses is invisible without its authorization.
        let admin = node.login("admin").await;
        let reply = upload(
            &node,
            &admin,
            "name=Safe%20houses&filename=safe.csv&label=NGO",
            "name,lat,lon\nHouse A,29.70,-95.30\n",
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        mapped(&node).await;
        let reply = get(
            &node,
            &ana,
            "/api/v1/map/nearest?lat=29.7&lon=-95.3&layer=Safe%20houses",
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = get(&node, &ana, "/api/v1/layers").await;
        assert!(!reply.body.to_string().contains("Safe houses"));
        let reply = get(&node, &ana, "/api/v1/map/features?kind=layer").await;
        assert_eq!(reply.body["total"], 3, "{}", reply.body);
        let reply = get(&node, &admin, "/api/v1/map/features?kind=layer").await;
        assert_eq!(reply.body["total"], 4);

        // Nothing placeable creates nothing; public layers carry no label.
        let reply = upload(
            &node,
            &ana,
            "name=Empty&filename=x.csv",
            "name,city\nX,Narnia\n",
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        let reply = upload(
            &node,
            &admin,
            "name=P&filename=p.csv&public=true&label=NGO",
            SHELTERS,
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        let reply = get(&node, &ana, "/api/v1/layers").await;
        assert_eq!(reply.body.as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn geojson_and_kml_layers_are_read() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let geojson = json!({
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"name": "Border crossing"},
                 "geometry": {"type": "Point", "coordinates": [-106.45, 31.76]}},
            ]
        });
        let reply = upload(
            &node,
            &ana,
            "name=Crossings&filename=c.geojson",
            geojson.to_string(),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let kml = r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Clinic</name><Point><coordinates>-95.36,29.75,0</coordinates></Point></Placemark>
</Document></kml>"#;
        let reply = upload(&node, &ana, "name=Hospitals&filename=h.kml", kml).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        mapped(&node).await;
        let id = reply.body["layer"]["id"].as_str().unwrap();
        let reply = get(&node, &ana, &format!("/api/v1/layers/{id}")).await;
        assert_eq!(reply.body["features"][0]["properties"]["name"], "Clinic");
        assert_eq!(
            reply.body["features"][0]["geometry"]["coordinates"],
            json!([-95.36, 29.75])
        );
        let reply = upload(&node, &ana, "name=Bad&filename=b.kml", "<kml><Placemark>").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    }
}

#[tokio::test]
async fn record_locations_and_places_are_features_within_clearance() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        node.create_record(
            &ana,
            json!({
                "kind": "report",
                "title": "Truck stop sighting",
                "narrative": "Seen at 29.4241, -98.4936 then driven to Laredo.",
                "fields": {
                    "seen_at": {"value": {"lat": 32.7767, "lon": -96.7970, "place": "Dallas"}},
                    "victim_home": {"value": {"lat": 19.4326, "lon": -99.1332}, "label": "VICTIM_PII"}
                },
                "source": {"channel": "api", "reliability": "B", "credibility": 2}
            }),
        )
        .await;
        mapped(&node).await;

        let reply = get(&node, &ana, "/api/v1/map/features").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.body["clustered"], false);
        let kinds: Vec<&str> = reply.body["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|feature| feature["properties"]["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"record") && kinds.contains(&"coordinates") && kinds.contains(&"place"),
            "{kinds:?}"
        );
        let all = reply.body["total"].as_u64().unwrap();

        let ben = node.login("ben").await;
        let reply = get(&node, &ben, "/api/v1/map/features").await;
        assert_eq!(
            reply.body["total"].as_u64().unwrap(),
            all - 1,
            "the victim's home is withheld"
        );
        assert!(!reply.body.to_string().contains("19.4326"));

        // Filters: a box around Dallas, a kind, a search query, a time range.
        let reply = get(
            &node,
            &ana,
            "/api/v1/map/features?bbox=-97.5,32,-96,33.5&kind=record",
        )
        .await;
        assert_eq!(reply.body["total"], 1, "{}", reply.body);
        let reply = get(&node, &ana, "/api/v1/map/features?q=laredo").await;
        assert_eq!(reply.body["total"].as_u64().unwrap(), all, "{}", reply.body);
        let reply = get(&node, &ana, "/api/v1/map/features?q=nothingmatches").await;
        assert_eq!(reply.body["total"], 0);
        let reply = get(&node, &ana, "/api/v1/map/features?to=2000-01-01T00:00:00Z").await;
        assert_eq!(reply.body["total"], 0);
        // The time slider's bars count what the other filters select, whatever the time range,
        // and only what the caller may see.
        let months = |reply: &crate::support::Reply| -> u64 {
            (reply.body["timeline"].as_array().unwrap().iter())
                .map(|month| month["count"].as_u64().unwrap())
                .sum()
        };
        assert_eq!(months(&reply), all, "{}", reply.body);
        let reply = get(&node, &ben, "/api/v1/map/features?to=2000-01-01T00:00:00Z").await;
        assert_eq!(months(&reply), all - 1);
        let reply = get(&node, &ana, "/api/v1/map/features?bbox=1,2,3").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);

        // Exports and H3 aggregation.
        let reply = get(&node, &ben, "/api/v1/map/export?format=kml").await;
        assert_eq!(reply.status, StatusCode::OK);
        let kml = String::from_utf8(reply.bytes).unwrap();
        assert!(kml.contains("<kml") && kml.contains("Dallas") && !kml.contains("19.4326"));
        let reply = get(&node, &ana, "/api/v1/map/export?format=geojson").await;
        let exported: Value = serde_json::from_slice(&reply.bytes).unwrap();
        assert_eq!(exported["features"].as_array().unwrap().len() as u64, all);
        let reply = get(&node, &ana, "/api/v1/map/features?aggregate=h3:5").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let counted: u64 = reply.body["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|cell| cell["properties"]["count"].as_u64().unwrap())
            .sum();
        assert_eq!(counted, all);
        // One record's features.
        let other = node
            .create_record(
                &ana,
                json!({"kind": "report", "title": "Elsewhere", "narrative": "Seen at 51.5072, -0.1276.",
                       "source": {"channel": "api", "reliability": "B", "credibility": 2}}),
            )
            .await;
        mapped(&node).await;
        let reply = get(&node, &ana, &format!("/api/v1/map/features?record={other}")).await;
        assert_eq!(reply.body["total"], 1, "{}", reply.body);
        assert_eq!(
            reply.body["features"][0]["properties"]["record"],
            other.as_str()
        );
    }
}

#[tokio::test]
async fn the_map_clusters_a_hundred_thousand_points() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let mut csv = String::from("name,lat,lon\n");
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for n in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let lat = (state % 140_000) as f64 / 1000.0 - 70.0;
            let lon = ((state >> 20) % 360_000) as f64 / 1000.0 - 180.0;
            writeln!(csv, "point {n},{lat},{lon}").unwrap();
        }
        let reply = upload(&node, &ana, "name=Many&filename=many.csv", csv).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        mapped(&node).await;
        let reply = get(&node, &ana, "/api/v1/map/features?zoom=3").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["clustered"], true);
        assert_eq!(reply.body["total"], 100_000);
        let clusters = reply.body["features"].as_array().unwrap();
        assert!(clusters.len() < 10_000, "{} clusters", clusters.len());
        let counted: u64 = clusters
            .iter()
            .map(|cluster| cluster["properties"]["count"].as_u64().unwrap())
            .sum();
        assert_eq!(counted, 100_000);
    }
}

#[tokio::test]
async fn tracks_take_live_positions_and_answer_a_time_window() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let reply = node
            .call(
                Method::POST,
                "/api/v1/tracks",
                Some(&ana),
                Some(json!({"name": "Fishing vessel KR-11", "kind": "vessel", "label": "LE"})),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let id = reply.body["id"].as_str().unwrap().to_owned();
        let positions = json!([
            {"at": "2026-11-01T00:00:00Z", "lat": 10.0, "lon": 100.0, "properties": {"speed_knots": 8}},
            {"at": "2026-11-01T06:00:00Z", "lat": 10.5, "lon": 100.4},
            {"at": "2026-11-01T12:00:00Z", "lat": 11.0, "lon": 100.9},
        ]);
        let uri = format!("/api/v1/tracks/{id}/positions");
        let reply = node
            .call(Method::POST, &uri, Some(&ana), Some(positions), &[])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.body["added"], 3);
        let reply = node
            .call(
                Method::POST,
                &uri,
                Some(&ana),
                Some(json!([{"at": "2026-11-01T00:00:00Z", "lat": 91.0, "lon": 0.0}])),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);

        let reply = get(
            &node,
            &ana,
            &format!("/api/v1/tracks/{id}?from=2026-11-01T05:00:00Z&to=2026-11-01T13:00:00Z"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let features = reply.body["features"].as_array().unwrap();
        assert_eq!(features[0]["geometry"]["type"], "LineString");
        assert_eq!(
            features[0]["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(features[1]["properties"]["time"], "2026-11-01T06:00:00Z");

        // A track labelled NGO is hidden from Ana, who lacks NGO.
        let admin = node.login("admin").await;
        let reply = get(&node, &admin, "/api/v1/tracks").await;
        assert_eq!(reply.body[0]["positions"], 3);
        let reply = node
            .call(
                Method::POST,
                "/api/v1/tracks",
                Some(&admin),
                Some(json!({"name": "Van", "kind": "vehicle", "label": "NGO"})),
                &[],
            )
            .await;
        let van = reply.body["id"].as_str().unwrap().to_owned();
        let reply = get(&node, &ana, &format!("/api/v1/tracks/{van}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = get(&node, &ana, "/api/v1/tracks").await;
        assert_eq!(reply.body.as_array().unwrap().len(), 1);
    }
}
