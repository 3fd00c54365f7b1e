use std::io::Cursor;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, RgbImage};
use serde_json::Value;

use crate::support::{Node, Reply, nodes};

/// Photos of ThreatExchange's PDQ test set (BSD; see that folder's README).
const BRIDGE: &[u8] = include_bytes!(
    "../../../humdex-imagehash/tests/data/pdq/threatexchange/images/bridge-mods_aaa-orig.jpg"
);
const STREET: &[u8] = include_bytes!(
    "../../../humdex-imagehash/tests/data/pdq/threatexchange/images/labelme-subset_q2821.jpg"
);

/// A photo-like picture: smooth random blobs (value noise on a 9×9 grid), unrelated for
/// different seeds, with plenty of detail for PDQ.
fn photo(seed: u64, width: u32, height: u32) -> DynamicImage {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 256) as f32
    };
    let grid: Vec<[f32; 3]> = (0..81).map(|_| [next(), next(), next()]).collect();
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = (
            x as f32 / width as f32 * 8.0,
            y as f32 / height as f32 * 8.0,
        );
        let (i, j) = (u.floor() as usize, v.floor() as usize);
        let (fu, fv) = (u.fract(), v.fract());
        let at = |i: usize, j: usize| grid[j.min(8) * 9 + i.min(8)];
        let mut pixel = [0u8; 3];
        for (channel, value) in pixel.iter_mut().enumerate() {
            let top = at(i, j)[channel] * (1.0 - fu) + at(i + 1, j)[channel] * fu;
            let bottom = at(i, j + 1)[channel] * (1.0 - fu) + at(i + 1, j + 1)[channel] * fu;
            *value = (top * (1.0 - fv) + bottom * fv) as u8;
        }
        image::Rgb(pixel)
    }))
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => image
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut bytes, 85,
            ))
            .unwrap(),
        _ => image.write_to(&mut bytes, format).unwrap(),
    }
    bytes.into_inner()
}

async fn attach(
    node: &Node,
    token: &str,
    id: &str,
    name: &str,
    label: &str,
    bytes: Vec<u8>,
) -> String {
    let label = if label.is_empty() {
        String::new()
    } else {
        format!("&label={label}")
    };
    let reply = node
        .send(
            Request::post(format!(
                "/api/v1/records/{id}/attachments?filename={name}{label}"
            ))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["attachment"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits until every photo in the journal is fingerprinted.
async fn fingerprinted(node: &Node) {
    let head = node.store.journal_head().await.unwrap();
    node.state.images().caught_up(head).await;
}

async fn match_upload(node: &Node, token: &str, bytes: Vec<u8>) -> Reply {
    node.send(
        Request::post("/api/v1/images/match")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

fn matched_records(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut records: Vec<String> = reply.body["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|found| found["record"].as_str().unwrap().to_owned())
        .collect();
    records.dedup();
    records
}

#[tokio::test]
async fn an_uploaded_photo_finds_the_records_holding_its_reencoded_resized_and_rotated_copies() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let original = image::load_from_memory(BRIDGE).unwrap();
        let (width, height) = (original.width(), original.height());

        let first = node.create(&ana, "Advert with photo").await;
        attach(
            &node,
            &ana,
            &first,
            "ad.png",
            "",
            encode(&original, ImageFormat::Png),
        )
        .await;
        // The same photo, smaller, turned a quarter and saved as JPEG.
        let copy = original
            .resize_exact(320, 240, FilterType::Triangle)
            .rotate90();
        let second = node.create(&ana, "Second advert").await;
        attach(
            &node,
            &ana,
            &second,
            "ad2.jpg",
            "",
            encode(&copy, ImageFormat::Jpeg),
        )
        .await;
        // A copy only VICTIM_PII holders may see.
        let hidden = node.create(&ana, "Victim's phone").await;
        attach(
            &node,
            &ana,
            &hidden,
            "face.png",
            "VICTIM_PII",
            encode(&original.fliph(), ImageFormat::Png),
        )
        .await;
        let other = node.create(&ana, "Unrelated").await;
        attach(&node, &ana, &other, "street.jpg", "", STREET.to_vec()).await;
        fingerprinted(&node).await;

        let query = encode(
            &original.resize_exact(width * 3 / 4, height * 3 / 4, FilterType::Lanczos3),
            ImageFormat::Jpeg,
        );
        let reply = match_upload(&node, &ana, query.clone()).await;
        assert_eq!(reply.body["matchable"], true, "{}", reply.body);
        let mut found = matched_records(&reply);
        found.sort();
        let mut expected = vec![first.clone(), second.clone(), hidden.clone()];
        expected.sort();
        assert_eq!(found, expected, "{}: {}", node.backend, reply.body);
        let rotated = reply.body["matches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|found| found["record"] == second.as_str())
            .unwrap();
        // Turned clockwise, so the query matches once turned 270° anticlockwise.
        assert_eq!(rotated["transform"], "rotate270", "{rotated}");
        assert!(rotated["distance"].as_u64().unwrap() <= 31);

        // Ben lacks VICTIM_PII: the labelled copy is not there, nor its name anywhere.
        let reply = match_upload(&node, &ben, query).await;
        let found = matched_records(&reply);
        assert!(
            found.contains(&first) && found.contains(&second),
            "{}",
            reply.body
        );
        assert!(!found.contains(&hidden), "leaked: {}", reply.body);
        assert!(!String::from_utf8_lossy(&reply.bytes).contains("face.png"));

        // From a stored attachment: the other copies, and only for those who may see it.
        let sha = attach(
            &node,
            &ana,
            &first,
            "again.png",
            "",
            encode(&original, ImageFormat::Png),
        )
        .await;
        fingerprinted(&node).await;
        let uri = format!("/api/v1/attachments/{sha}/matches");
        let reply = node.call(Method::GET, &uri, Some(&ana), None, &[]).await;
        let found = matched_records(&reply);
        assert!(
            found.contains(&second) && found.contains(&hidden),
            "{}",
            reply.body
        );
        let hidden_sha = {
            let record = node
                .call(
                    Method::GET,
                    &format!("/api/v1/records/{hidden}"),
                    Some(&ana),
                    None,
                    &[],
                )
                .await;
            record.body["attachments"][0]["sha256"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let uri = format!("/api/v1/attachments/{hidden_sha}/matches");
        let reply = node.call(Method::GET, &uri, Some(&ben), None, &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    }
}

#[tokio::test]
async fn a_flat_picture_is_fingerprinted_but_never_matched() {
    for node in nodes().await {
        let ana = node.login("ana").await;
        let flat =
            DynamicImage::ImageRgb8(RgbImage::from_pixel(300, 200, image::Rgb([200, 30, 30])));
        let id = node.create(&ana, "Red square").await;
        let sha = attach(
            &node,
            &ana,
            &id,
            "red.png",
            "",
            encode(&flat, ImageFormat::Png),
        )
        .await;
        fingerprinted(&node).await;
        let reply = match_upload(&node, &ana, encode(&flat, ImageFormat::Png)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.body["matchable"], false);
        assert_eq!(reply.body["matches"], Value::Array(Vec::new()));
        let reply = node
            .call(
                Method::GET,
                &format!("/api/v1/attachments/{sha}/matches"),
                Some(&ana),
                None,
                &[],
            )
            .await;
        assert_eq!(reply.body["matchable"], false, "{}", reply.body);

        let reply = match_upload(&node, &ana, b"not a picture".to_vec()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    }
}

#[tokio::test]
async fn a_hash_list_raises_alerts_on_stored_and_new_photos() {
    for node in nodes().await {
        let admin = node.login("admin").await;
        let ana = node.login("ana").await;
        let ben = node.login("ben").await;
        let listed = photo(3, 600, 400);
        let before = node.create(&ana, "Stored before the list").await;
        attach(
            &node,
            &ana,
            &before,
            "a.png",
            "",
            encode(&listed, ImageFormat::Png),
        )
        .await;
        fingerprinted(&node).await;

        let hash = {
            let reply = match_upload(&node, &ana, encode(&listed, ImageFormat::Png)).await;
            reply.body["fingerprints"][0]["hash"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let reply = node
            .send(
                Request::post("/api/v1/hash-lists?name=partner-2026")
                    .header("authorization", format!("Bearer {ana}"))
                    .body(Body::from(format!("hash\n{hash}\n")))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "only admins import lists"
        );
        let reply = node
            .send(
                Request::post("/api/v1/hash-lists?name=partner-2026")
                    .header("authorization", format!("Bearer {admin}"))
                    .body(Body::from("hash\nnot-a-hash\n"))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(reply.body.to_string().contains("line 2"), "{}", reply.body);
        let reply = node
            .send(
                Request::post("/api/v1/hash-lists?name=partner-2026")
                    .header("authorization", format!("Bearer {admin}"))
                    .body(Body::from(format!("hash\n{hash}\n")))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(reply.body["size"], 1);

        // An upside-down JPEG copy arriving after the list is caught on intake.
        let after = node.create(&ana, "Arrived after the list").await;
        attach(
            &node,
            &ana,
            &after,
            "b.jpg",
            "",
            encode(&listed.rotate180(), ImageFormat::Jpeg),
        )
        .await;
        let labelled = node.create(&ana, "Labelled copy").await;
        attach(
            &node,
            &ana,
            &labelled,
            "c.png",
            "VICTIM_PII",
            encode(&listed, ImageFormat::Png),
        )
        .await;
        fingerprinted(&node).await;
        let alerts = |id: String, token: String| {
            let node = &node;
            async move {
                let mut deadline = 50;
                loop {
                    let reply = node
                        .call(
                            Method::GET,
                            &format!("/api/v1/records/{id}/image-alerts"),
                            Some(&token),
                            None,
                            &[],
                        )
                        .await;
                    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
                    let alerts = reply.body.as_array().unwrap().clone();
                    deadline -= 1;
                    if !alerts.is_empty() || deadline == 0 {
                        return alerts;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        };
        for id in [&before, &after, &labelled] {
            let found = alerts(id.clone(), ana.clone()).await;
            assert_eq!(found.len(), 1, "{}: {id}: {found:?}", node.backend);
            assert_eq!(found[0]["list"], "partner-2026");
        }
        // Ben may see the labelled record but not its photo, so not its alert either.
        let reply = node
            .call(
                Method::GET,
                &format!("/api/v1/records/{labelled}/image-alerts"),
                Some(&ben),
                None,
                &[],
            )
            .await;
        assert_eq!(reply.body, Value::Array(Vec::new()), "{}", reply.body);
    }
}
