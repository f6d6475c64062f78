//! Compiles the kubelet's device plugin API (`proto/v1beta1/api.proto`) and the part of its pod
//! resources API the plugin reads (`proto/podresources/v1/api.proto`) with protox, a protobuf
//! compiler written in Rust, so building needs no system `protoc`; tonic-prost-build generates the
//! messages and the services (clients and servers: the tests play the kubelet).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/v1beta1/api.proto");
    println!("cargo:rerun-if-changed=proto/podresources/v1/api.proto");
    let descriptors = protox::compile(
        ["v1beta1/api.proto", "podresources/v1/api.proto"],
        ["proto"],
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
