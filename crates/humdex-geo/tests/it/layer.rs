use std::io::{Cursor, Write};

use humdex_geo::geojson::GeometryValue;
use humdex_geo::{Error, Gazetteer, LayerColumns, LayerFormat, LayerRead, place_rows, read_layer};
use serde_json::json;

fn layer(bytes: &[u8], format: LayerFormat) -> Result<LayerRead, Error> {
    read_layer(
        bytes,
        format,
        &LayerColumns::default(),
        Gazetteer::embedded(),
    )
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn reasons(read: &LayerRead) -> Vec<(usize, &str)> {
    read.unplaced
        .iter()
        .map(|u| (u.row, u.reason.as_str()))
        .collect()
}

/// A table as a table reader hands it over: `text`'s first line is the header, each further line a row numbered
/// from 1, its cells separated by `|`.
fn table(text: &str) -> (Vec<String>, Vec<(usize, Vec<String>)>) {
    let mut lines = text
        .lines()
        .map(|line| line.split('|').map(str::to_owned).collect::<Vec<_>>());
    let header = lines.next().unwrap_or_default();
    (
        header,
        lines
            .enumerate()
            .map(|(index, cells)| (index + 1, cells))
            .collect(),
    )
}

fn place_with(text: &str, columns: &LayerColumns) -> Result<LayerRead, Error> {
    let (header, rows) = table(text);
    place_rows(&header, rows, columns, Gazetteer::embedded())
}

fn place(text: &str) -> Result<LayerRead, Error> {
    place_with(text, &LayerColumns::default())
}

#[test]
fn rows_with_coordinates() {
    let rows = "Name|Lat|Lon|Notes\n\
                Safe house|51.5|-0.12|seen twice\n\
                Port|-33.9|151.2|\n\
                ||| \n\
                Bad latitude|91|0|\n\
                Only latitude|10||\n\
                Words|north|east|";
    let read = place(rows).unwrap();
    let placed: Vec<(&str, f64, f64)> = read
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.lat, f.lon))
        .collect();
    assert_eq!(
        placed,
        [("Safe house", 51.5, -0.12), ("Port", -33.9, 151.2)]
    );
    let first = &read.features[0];
    assert_eq!(first.properties["Notes"], json!("seen twice"));
    assert_eq!(first.properties["Lat"], json!("51.5"));
    assert!(first.geometry.is_none() && first.geocoded.is_none());
    assert!(
        !read.features[1].properties.contains_key("Notes"),
        "empty cells are left out"
    );
    assert_eq!(
        reasons(&read),
        [
            (4, "row 4: latitude 91 is out of range (-90 to 90)"),
            (5, "row 5: a latitude but no longitude"),
            (
                6,
                "row 6: latitude \"north\" is not a number in decimal degrees"
            ),
        ]
    );
}

#[test]
fn decimal_commas_are_reported_not_guessed_at() {
    let read = place("titre|latitude|longitude\nA| 48.85 |2.35\nB|48,85|2,35").unwrap();
    assert_eq!(read.features.len(), 1);
    assert_eq!(read.features[0].properties["titre"], json!("A"));
    assert_eq!(read.features[0].properties["latitude"], json!("48.85"));
    assert_eq!(
        reasons(&read),
        [(
            2,
            "row 2: latitude \"48,85\" has a decimal comma; write it with a decimal point"
        )]
    );
}

#[test]
fn rows_with_place_names_only() {
    let rows = "name|city\nOffice|Houston\nDepot|Łódź\nCamp|Atlantis\nNowhere|Narnia\nBlank|\nHarbour|Paris, TX";
    let read = place(rows).unwrap();
    let placed: Vec<(&str, Option<&str>)> = read
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.geocoded.as_deref()))
        .collect();
    // Atlantis is a real town in the Western Cape, so GeoNames places it.
    assert_eq!(
        placed,
        [
            ("Office", Some("Houston, US")),
            ("Depot", Some("Łódź, PL")),
            ("Camp", Some("Atlantis, ZA")),
            ("Harbour", Some("Paris, US")),
        ]
    );
    let houston = &read.features[0];
    assert!((houston.lat - 29.763).abs() < 0.01 && (houston.lon + 95.363).abs() < 0.01);
    assert!((read.features[3].lat - 33.66).abs() < 0.01, "Paris, Texas");
    assert_eq!(
        reasons(&read),
        [
            (
                4,
                "row 4: no coordinates and place \"Narnia\" not found in the gazetteer"
            ),
            (5, "row 5: no coordinates, place or address"),
        ]
    );
}

#[test]
fn coordinates_win_and_addresses_back_up_places() {
    let rows = "title|lat|lng|town|address\n\
                Given|10|20|Houston|\n\
                By address|||Narnia|12 Main Street, Springfield, IL 62701\n\
                Neither|||Narnia|Nowhere Lane";
    let read = place(rows).unwrap();
    let given = &read.features[0];
    assert_eq!(
        (given.lat, given.lon, given.geocoded.as_deref()),
        (10.0, 20.0, None)
    );
    let by_address = &read.features[1];
    assert_eq!(by_address.geocoded.as_deref(), Some("Springfield, US"));
    assert!(
        (by_address.lat - 39.8).abs() < 0.1,
        "Springfield, Illinois: {by_address:?}"
    );
    assert_eq!(by_address.name, "By address");
    assert_eq!(
        reasons(&read),
        [(
            3,
            "row 3: no coordinates, and neither place \"Narnia\" nor address \"Nowhere Lane\" was found in the gazetteer"
        )]
    );
}

#[test]
fn named_columns_are_matched_and_must_exist() {
    let rows = "Site|Широта|E|Where\nA|1|2|Houston";
    let columns = LayerColumns {
        name: Some("site".into()),
        latitude: Some(" широта".into()),
        longitude: Some("E".into()),
        ..LayerColumns::default()
    };
    let read = place_with(rows, &columns).unwrap();
    assert_eq!(
        (read.features[0].name.as_str(), read.features[0].lat),
        ("A", 1.0)
    );
    let missing = LayerColumns {
        place: Some("Town".into()),
        ..LayerColumns::default()
    };
    let error = place_with(rows, &missing).unwrap_err();
    assert!(
        matches!(&error, Error::MissingColumn { column, .. } if column == "Town"),
        "{error}"
    );
    let error = place("a|b\n1|2").unwrap_err();
    assert!(matches!(error, Error::NoLocationColumns { .. }), "{error}");
    assert!(error.to_string().contains("\"a\", \"b\""), "{error}");
    let error = place("").unwrap_err();
    assert!(error.to_string().contains("columns: none"), "{error}");
}

#[test]
fn rows_keep_the_numbers_their_reader_gave_them() {
    let header: Vec<String> = ["Name", "Latitude", "Longitude", "Place", "Count"]
        .map(String::from)
        .into();
    let row =
        |number: usize, cells: &[&str]| (number, cells.iter().map(|c| (*c).to_owned()).collect());
    // A workbook's rows as a reader hands them over: numbers written out, blank rows left out.
    let rows = vec![
        row(1, &["Numbers", "52.23", "21.01", "", "3"]),
        row(2, &["Text", "-1.29", "36.82"]),
        row(4, &["By name", "", "", "Łódź"]),
        row(5, &["Lost", "", "", "Narnia"]),
    ];
    let read = place_rows(
        &header,
        rows,
        &LayerColumns::default(),
        Gazetteer::embedded(),
    )
    .unwrap();
    let placed: Vec<(&str, f64, f64)> = read
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.lat, f.lon))
        .collect();
    assert_eq!(
        placed[..2],
        [("Numbers", 52.23, 21.01), ("Text", -1.29, 36.82)]
    );
    assert_eq!(read.features[0].properties["Count"], json!("3"));
    assert_eq!(read.features[2].geocoded.as_deref(), Some("Łódź, PL"));
    assert_eq!(
        reasons(&read),
        [(
            5,
            "row 5: no coordinates and place \"Narnia\" not found in the gazetteer"
        )]
    );
}

#[test]
fn tables_are_not_read_as_layer_files() {
    for format in [LayerFormat::Csv, LayerFormat::Xlsx] {
        let error = layer(b"name,lat,lon\nA,1,2\n", format).unwrap_err();
        assert!(matches!(error, Error::Table(_)), "{error}");
        assert!(error.to_string().contains("place_rows"), "{error}");
    }
}

#[test]
fn geojson_points_lines_polygons_and_places() {
    let document = json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": 7, "geometry": {"type": "Point", "coordinates": [-95.36, 29.76]},
             "properties": {"Name": "Point", "risk": 3}},
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[10.0, 50.0], [11.0, 51.0]]},
             "properties": {"title": "Route"}},
            {"type": "Feature", "geometry": {"type": "Polygon",
             "coordinates": [[[0.0, 0.0], [4.0, 0.0], [4.0, 2.0], [0.0, 2.0], [0.0, 0.0]]]},
             "properties": {"name": "Area"}},
            {"type": "Feature", "geometry": null, "properties": {"name": "Office", "city": "Houston"}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [200.0, 10.0]},
             "properties": {"name": "Off the map"}},
            {"type": "Feature", "geometry": null, "properties": null},
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": []}, "properties": {}},
            {"type": "Feature", "geometry": null, "properties": {"name": "By properties", "Latitude": "12.5", "lon": 7}}
        ]
    });
    let bytes = serde_json::to_vec(&document).unwrap();
    assert_eq!(
        LayerFormat::detect("layer.txt", &bytes),
        Some(LayerFormat::GeoJson)
    );
    let read = layer(&bytes, LayerFormat::GeoJson).unwrap();
    let names: Vec<&str> = read.features.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Point", "Route", "Area", "Office", "By properties"]);
    let [point, route, area, office, by_properties] = &read.features[..] else {
        panic!("five features");
    };
    assert_eq!((by_properties.lat, by_properties.lon), (12.5, 7.0));
    assert!(point.geometry.is_none() && near(point.lat, 29.76) && near(point.lon, -95.36));
    assert_eq!(point.properties["id"], json!(7));
    assert_eq!(point.properties["risk"], json!(3));
    assert!(matches!(
        route.geometry.as_ref().map(|g| &g.value),
        Some(GeometryValue::LineString { .. })
    ));
    assert_eq!(
        (route.lat, route.lon),
        (50.0, 10.0),
        "a line is shown at its first point"
    );
    assert!(matches!(
        area.geometry.as_ref().map(|g| &g.value),
        Some(GeometryValue::Polygon { .. })
    ));
    assert_eq!(
        (area.lat, area.lon),
        (1.0, 2.0),
        "an area is shown at its centroid"
    );
    assert_eq!(office.geocoded.as_deref(), Some("Houston, US"));
    assert_eq!(
        reasons(&read),
        [
            (
                5,
                "feature 5 (\"Off the map\"): longitude 200 is out of range (-180 to 180)"
            ),
            (6, "feature 6: no coordinates, place or address"),
            (7, "feature 7: its geometry is empty"),
        ]
    );
}

#[test]
fn single_geojson_features_and_geometries_are_layers_too() {
    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.0, 2.0]}, "properties": {}});
    let read = layer(&serde_json::to_vec(&feature).unwrap(), LayerFormat::GeoJson).unwrap();
    assert_eq!((read.features[0].lat, read.features[0].lon), (2.0, 1.0));
    let geometry = json!({"type": "MultiPoint", "coordinates": [[3.0, 4.0], [5.0, 6.0]]});
    let read = layer(
        &serde_json::to_vec(&geometry).unwrap(),
        LayerFormat::GeoJson,
    )
    .unwrap();
    assert_eq!((read.features[0].lat, read.features[0].lon), (4.0, 3.0));
    assert!(read.features[0].geometry.is_some());
}

#[test]
fn broken_geojson_is_malformed() {
    for broken in [
        &b"{\"type\": \"FeatureCollection\", \"features\": ["[..],
        b"{\"type\": \"Banana\"}",
        b"[]",
    ] {
        let error = layer(broken, LayerFormat::GeoJson).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Malformed {
                    format: LayerFormat::GeoJson,
                    ..
                }
            ),
            "{error}"
        );
    }
    // Deep nesting stops at the JSON parser's recursion limit instead of exhausting the stack.
    let deep = format!(
        "{{\"type\": \"Point\", \"coordinates\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(layer(deep.as_bytes(), LayerFormat::GeoJson).is_err());
}

const KML: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document>
  <name>Survey</name>
  <Style id="red"><LineStyle><color>ff0000ff</color></LineStyle></Style>
  <Folder>
    <name>Sites</name>
    <Placemark>
      <name>Safe &amp; sound</name>
      <description><![CDATA[<b>seen</b> twice]]></description>
      <ExtendedData>
        <Data name="risk"><displayName>Risk</displayName><value>high</value></Data>
        <SchemaData schemaUrl="#s"><SimpleData name="source">patrol</SimpleData></SchemaData>
      </ExtendedData>
      <Point><coordinates>-0.12,51.5,0</coordinates></Point>
    </Placemark>
    <Placemark>
      <name>Route</name>
      <LineString><coordinates>
        10,50 11,51
        12,52
      </coordinates></LineString>
    </Placemark>
    <Placemark>
      <name>Compound</name>
      <Polygon>
        <outerBoundaryIs><LinearRing><coordinates>0,0 4,0 4,2 0,2 0,0</coordinates></LinearRing></outerBoundaryIs>
        <innerBoundaryIs><LinearRing><coordinates>1,0.5 1.5,0.5 1.5,1 1,0.5</coordinates></LinearRing></innerBoundaryIs>
      </Polygon>
    </Placemark>
    <Placemark>
      <name>Both</name>
      <MultiGeometry>
        <Point><coordinates>30,10</coordinates></Point>
        <LineString><coordinates>30,10 31,11</coordinates></LineString>
      </MultiGeometry>
    </Placemark>
    <Placemark><name>Office</name><address>Houston, TX</address></Placemark>
    <Placemark><name>Garbled</name><Point><coordinates>ten,twenty</coordinates></Point></Placemark>
    <Placemark><name>Nothing</name></Placemark>
  </Folder>
</Document>
</kml>"##;

#[test]
fn kml_placemarks() {
    assert_eq!(
        LayerFormat::detect("export.xml", KML.as_bytes()),
        Some(LayerFormat::Kml)
    );
    let read = layer(KML.as_bytes(), LayerFormat::Kml).unwrap();
    let names: Vec<&str> = read.features.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["Safe & sound", "Route", "Compound", "Both", "Office"]
    );
    let [point, route, compound, both, office] = &read.features[..] else {
        panic!("five features");
    };
    assert_eq!((point.lat, point.lon), (51.5, -0.12));
    assert!(point.geometry.is_none());
    assert_eq!(point.properties["description"], json!("<b>seen</b> twice"));
    assert_eq!(point.properties["risk"], json!("high"));
    assert_eq!(point.properties["source"], json!("patrol"));
    match route.geometry.as_ref().map(|g| &g.value) {
        Some(GeometryValue::LineString { coordinates }) => assert_eq!(coordinates.len(), 3),
        other => panic!("{other:?}"),
    }
    assert_eq!((route.lat, route.lon), (50.0, 10.0));
    match compound.geometry.as_ref().map(|g| &g.value) {
        Some(GeometryValue::Polygon { coordinates }) => {
            assert_eq!(coordinates.len(), 2, "outer and inner ring");
            assert_eq!(coordinates[0].len(), 5);
        }
        other => panic!("{other:?}"),
    }
    assert!(compound.lat > 0.9 && compound.lat < 1.1 && compound.lon > 1.9 && compound.lon < 2.2);
    match both.geometry.as_ref().map(|g| &g.value) {
        Some(GeometryValue::GeometryCollection { geometries }) => assert_eq!(geometries.len(), 2),
        other => panic!("{other:?}"),
    }
    assert_eq!((both.lat, both.lon), (10.0, 30.0));
    assert_eq!(office.geocoded.as_deref(), Some("Houston, US"));
    assert_eq!(
        reasons(&read),
        [
            (
                6,
                "placemark 6 (\"Garbled\"): coordinates \"ten,twenty\" are not longitude,latitude[,altitude]"
            ),
            (
                7,
                "placemark 7 (\"Nothing\"): no coordinates, place or address"
            ),
        ]
    );
}

#[test]
fn kml_namespace_prefixes_and_kmz() {
    let prefixed = r#"<k:kml xmlns:k="http://www.opengis.net/kml/2.2"><k:Document><k:Placemark>
        <k:name>Prefixed</k:name><k:Point><k:coordinates>5,6</k:coordinates></k:Point>
        </k:Placemark></k:Document></k:kml>"#;
    let read_prefixed = layer(prefixed.as_bytes(), LayerFormat::Kml).unwrap();
    assert_eq!(read_prefixed.features[0].name, "Prefixed");
    assert_eq!(
        (read_prefixed.features[0].lat, read_prefixed.features[0].lon),
        (6.0, 5.0)
    );

    let kmz = zip_of(&[("images/icon.png", b"\x89PNG"), ("doc.kml", KML.as_bytes())]);
    assert_eq!(
        LayerFormat::detect("survey.kmz", &kmz),
        Some(LayerFormat::Kml)
    );
    let from_kmz = layer(&kmz, LayerFormat::Kml).unwrap();
    assert_eq!(from_kmz, layer(KML.as_bytes(), LayerFormat::Kml).unwrap());
    let empty_kmz = zip_of(&[("readme.txt", b"no kml")]);
    assert!(matches!(
        layer(&empty_kmz, LayerFormat::Kml),
        Err(Error::Malformed { .. })
    ));
}

#[test]
fn hostile_and_broken_kml_is_refused() {
    let deep = format!(
        "<kml><Document>{}<Placemark><Point><coordinates>1,2</coordinates></Point></Placemark>{}</Document></kml>",
        "<Folder>".repeat(100_000),
        "</Folder>".repeat(100_000)
    );
    let error = layer(deep.as_bytes(), LayerFormat::Kml).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Limit {
                format: LayerFormat::Kml,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("nested"), "{error}");

    for broken in [
        "<kml><Document><Placemark></Document></kml>",
        "<kml><Document><Placemark><name>cut short",
        "<kml>\u{0}</kml",
    ] {
        let error = layer(broken.as_bytes(), LayerFormat::Kml).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Malformed {
                    format: LayerFormat::Kml,
                    ..
                }
            ),
            "{broken}: {error}"
        );
    }
    assert!(matches!(
        layer(b"<kml>\xff</kml>", LayerFormat::Kml),
        Err(Error::Malformed { .. })
    ));
}

#[test]
fn formats_are_detected_by_content_then_name() {
    assert_eq!(
        LayerFormat::detect("a.csv", b"name,lat,lon\n"),
        Some(LayerFormat::Csv)
    );
    assert_eq!(LayerFormat::detect("a.TSV", b"x"), Some(LayerFormat::Csv));
    assert_eq!(
        LayerFormat::detect("noname", b"name;lat;lon\n"),
        Some(LayerFormat::Csv)
    );
    assert_eq!(
        LayerFormat::detect("a.geojson", b"\xef\xbb\xbf {\"type\":1}"),
        Some(LayerFormat::GeoJson)
    );
    assert_eq!(
        LayerFormat::detect("a.csv", b"{\"type\":\"Point\"}"),
        Some(LayerFormat::GeoJson)
    );
    assert_eq!(
        LayerFormat::detect("a.kml", b"<?xml version=\"1.0\"?><html/>"),
        None
    );
    assert_eq!(
        LayerFormat::detect("a.xlsx", b"<?xml?><kml/>"),
        Some(LayerFormat::Kml)
    );
    let workbook = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"<workbook/>"),
    ]);
    assert_eq!(
        LayerFormat::detect("upload.bin", &workbook),
        Some(LayerFormat::Xlsx)
    );
    assert_eq!(LayerFormat::detect("photo.jpg", b"\xff\xd8\xff\xe0"), None);
    assert_eq!(
        LayerFormat::detect("a.zip", &zip_of(&[("a.txt", b"a")])),
        None
    );
}

/// A zip archive of `members`.
#[expect(clippy::unwrap_used, reason = "test support fails the test loudly")]
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in members {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn geocode_reads_whole_names_then_parts() {
    let geocode = |text: &str| {
        Gazetteer::embedded()
            .geocode(text)
            .map(|p| format!("{}, {}", p.name, p.country))
    };
    for (text, expected) in [
        ("Łódź", Some("Łódź, PL")),
        ("new york", Some("New York City, US")),
        ("USA", Some("United States, US")),
        ("Paris", Some("Paris, FR")),
        ("Paris, TX", Some("Paris, US")),
        ("75001 Paris, France", Some("Paris, FR")),
        ("Córdoba, Spain", Some("Córdoba, ES")),
        ("Córdoba, Argentina", Some("Córdoba, AR")),
        (
            "12 Washington Street, Houston, TX 77002",
            Some("Houston, US"),
        ),
        ("Houston TX", Some("Houston, US")),
        ("downtown Lagos", Some("Lagos, NG")),
        ("or", None),
        ("Narnia", None),
        ("", None),
    ] {
        assert_eq!(geocode(text).as_deref(), expected, "{text}");
    }
}

#[test]
fn repeated_and_blank_headers_get_their_own_keys() {
    let read = place("name|Name|lat|lon||name (2)|name\nA|B|1|2|x|y|z").unwrap();
    let keys: Vec<&str> = read.features[0]
        .properties
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "name", "Name", "lat", "lon", "column 5", "name (2)", "name (3)"
        ]
    );
    assert_eq!(read.features[0].name, "A");
}
