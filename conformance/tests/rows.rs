//! Run data in Ch-rima's row shape (`conformance::rows`, from `limani-fixtures`): what a
//! store holds survives the shape, and a value of the wrong shape is named by its path.

use conformance::rows::{from_rows, to_rows};
use conformance::{Json, Limani, MemoryLimani, NewOperation, NewRun, RunData};
use serde_json::json;

fn stored_run() -> RunData {
    let model = MemoryLimani::new();
    let run = NewRun {
        run_id: "r".into(),
        run_id_human: "h".into(),
        start_time: 1769462953.6252427,
        hailer_info: json!({"user": "dex"}).into(),
        required_secrets: Some(["b".to_owned(), "a".to_owned()].into()),
    };
    model.create_run(&run).unwrap();
    let host = model.get_or_create_host("r", "@local").unwrap();
    let operation = NewOperation {
        run_id: "r".into(),
        host_id: host,
        op_hash: "=1".into(),
        name: "op".into(),
        changed: true,
        success: false,
        duration: 0.1,
        timestamp: 2.0,
        logs: json!({"stdout": "", "stderr": ""}).into(),
        diff: String::new(),
        arguments: Json::new(r#"{"big": 18446744073709551617}"#).unwrap(),
        retry_stats: Json::empty_object(),
        command_n_facts: Json::empty_list(),
    };
    model.insert_operation(&operation).unwrap();
    model.get_run_data("r").unwrap().unwrap()
}

#[test]
fn run_data_survives_the_row_shape() {
    let data = stored_run();
    let rows = to_rows(&data);
    assert_eq!(rows["hosts"][0]["operations"][0]["changed"], json!(1));
    assert_eq!(rows["run"]["required_secrets"], json!("[\"a\",\"b\"]"));
    assert_eq!(from_rows(&rows).unwrap(), data);
}

#[test]
fn a_flag_stored_as_a_string_is_named_by_its_path() {
    let mut rows = to_rows(&stored_run());
    rows["hosts"][0]["operations"][0]["success"] = json!("False");
    let err = from_rows(&rows).unwrap_err().to_string();
    assert!(
        err.contains("run_data.hosts[0].operations[0].success"),
        "{err}"
    );
    assert!(err.contains("0, 1 or a boolean"), "{err}");
}

#[test]
fn python_booleans_are_flags_too() {
    let mut rows = to_rows(&stored_run());
    rows["hosts"][0]["operations"][0]["changed"] = json!(false);
    assert!(!from_rows(&rows).unwrap().hosts[0].operations[0].changed);
}
