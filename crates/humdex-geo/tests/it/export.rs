use humdex_geo::geojson::{GeoJson, GeometryValue};
use humdex_geo::{
    ExportFeature, Gazetteer, LayerColumns, LayerFormat, aggregate, cells_to_geojson, read_layer,
    to_geojson, to_kml,
};
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value, json};

fn features() -> Vec<ExportFeature> {
    let mut properties = Map::new();
    properties.insert("risk".into(), json!("high"));
    properties.insert("count".into(), json!(3));
    properties.insert("kind".into(), json!("overridden"));
    vec![
        ExportFeature {
            id: "rec-1".into(),
            kind: "record".into(),
            name: "Sighting <at> \"the dock\" & 'pier'\u{1}".into(),
            lat: 29.76,
            lon: -95.36,
            time: Some("2024-05-01T12:30:00Z".into()),
            properties,
        },
        ExportFeature {
            id: "place-2".into(),
            kind: "place".into(),
            name: "Łódź".into(),
            lat: 51.76,
            lon: 19.46,
            time: None,
            properties: Map::new(),
        },
        ExportFeature {
            id: "broken".into(),
            kind: "place".into(),
            name: "Nowhere".into(),
            lat: f64::NAN,
            lon: 0.0,
            time: None,
            properties: Map::new(),
        },
    ]
}

#[test]
fn geojson_export_parses_back() {
    let exported = to_geojson(&features());
    let text = serde_json::to_string(&exported).unwrap();
    let GeoJson::FeatureCollection(collection) = text.parse::<GeoJson>().unwrap() else {
        panic!("a FeatureCollection");
    };
    assert_eq!(
        collection.features.len(),
        2,
        "the feature without coordinates is left out"
    );
    let first = &collection.features[0];
    match first.geometry.as_ref().map(|g| &g.value) {
        Some(GeometryValue::Point { coordinates }) => {
            assert_eq!(coordinates.as_slice(), [-95.36, 29.76])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(exported["features"][0]["id"], json!("rec-1"));
    assert_eq!(first.property("kind"), Some(&json!("record")));
    assert_eq!(first.property("time"), Some(&json!("2024-05-01T12:30:00Z")));
    assert_eq!(first.property("risk"), Some(&json!("high")));
    assert!(collection.features[1].property("time").is_none());

    let read = read_layer(
        text.as_bytes(),
        LayerFormat::GeoJson,
        &LayerColumns::default(),
        Gazetteer::embedded(),
    )
    .unwrap();
    let back: Vec<(&str, f64, f64)> = read
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.lat, f.lon))
        .collect();
    assert_eq!(
        back,
        [
            ("Sighting <at> \"the dock\" & 'pier'\u{1}", 29.76, -95.36),
            ("Łódź", 51.76, 19.46)
        ]
    );
    assert_eq!(read.features[0].properties["id"], json!("rec-1"));
}

#[test]
fn kml_export_is_well_formed_and_reads_back() {
    let kml = to_kml(&features(), "Case <42> & co");
    let mut reader = Reader::from_str(&kml);
    let mut names = Vec::new();
    let mut whens = Vec::new();
    let mut path: Vec<String> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => path.push(e.local_name().as_ref().to_owned()),
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let text = t.xml10_content().into_owned();
                match path.last().map(String::as_str) {
                    Some("name") => names.push(text),
                    Some("when") => whens.push(text),
                    _ => {}
                }
            }
            Event::GeneralRef(r) => {
                let text =
                    quick_xml::escape::resolve_predefined_entity(&r.xml10_content()).unwrap();
                if path.last().map(String::as_str) == Some("name") {
                    names.last_mut().unwrap().push_str(text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty());
    assert!(kml.contains("<kml xmlns=\"http://www.opengis.net/kml/2.2\">"));
    assert_eq!(whens, ["2024-05-01T12:30:00Z"]);
    assert!(names.len() >= 3, "{names:?}");

    let read = read_layer(
        kml.as_bytes(),
        LayerFormat::Kml,
        &LayerColumns::default(),
        Gazetteer::embedded(),
    )
    .unwrap();
    assert!(read.unplaced.is_empty());
    let back: Vec<(&str, f64, f64)> = read
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.lat, f.lon))
        .collect();
    // XML cannot carry the control character, so it is dropped; everything else comes back as written.
    assert_eq!(
        back,
        [
            ("Sighting <at> \"the dock\" & 'pier'", 29.76, -95.36),
            ("Łódź", 51.76, 19.46)
        ]
    );
    let properties = &read.features[0].properties;
    assert_eq!(properties["id"], json!("rec-1"));
    assert_eq!(
        properties["kind"],
        json!("record"),
        "the feature's own kind wins"
    );
    assert_eq!(properties["risk"], json!("high"));
    assert_eq!(properties["count"], json!("3"));
}

#[test]
fn cells_export_as_closed_polygons_that_do_not_span_the_globe() {
    // A cell on the antimeridian, one at the north pole, and an ordinary one.
    let points = [
        (-17.0, 179.99),
        (-17.0, -179.99),
        (90.0, 0.0),
        (51.76, 19.46),
    ];
    for resolution in [0, 1, 2] {
        let cells = aggregate(points.into_iter(), resolution).unwrap();
        let exported = cells_to_geojson(&cells);
        let GeoJson::FeatureCollection(collection) = serde_json::to_string(&exported)
            .unwrap()
            .parse::<GeoJson>()
            .unwrap()
        else {
            panic!("a FeatureCollection");
        };
        assert_eq!(collection.features.len(), cells.len());
        let total: u64 = collection
            .features
            .iter()
            .map(|f| f.property("count").and_then(Value::as_u64).unwrap())
            .sum();
        assert_eq!(total, 4);
        for feature in &collection.features {
            let Some(GeometryValue::Polygon { coordinates }) =
                feature.geometry.as_ref().map(|g| &g.value)
            else {
                panic!("a polygon");
            };
            let ring = &coordinates[0];
            assert_eq!(ring.first(), ring.last(), "closed");
            let touches_pole = ring.iter().any(|p| p[1].abs() == 90.0);
            for step in ring.windows(2) {
                let jump = (step[0][0] - step[1][0]).abs();
                assert!(
                    jump < 180.0 || (touches_pole && step[0][1].abs() == 90.0),
                    "{ring:?}"
                );
            }
            if !touches_pole {
                let lons: Vec<f64> = ring.iter().map(|p| p[0]).collect();
                let span = lons.iter().copied().fold(f64::MIN, f64::max)
                    - lons.iter().copied().fold(f64::MAX, f64::min);
                assert!(span < 90.0, "resolution {resolution}: {ring:?}");
            }
        }
        assert!(
            collection.features.iter().any(|f| {
                let Some(GeometryValue::Polygon { coordinates }) =
                    f.geometry.as_ref().map(|g| &g.value)
                else {
                    return false;
                };
                coordinates[0].iter().any(|p| p[1] == 90.0)
            }),
            "the polar cell closes along the pole at resolution {resolution}"
        );
    }
}
