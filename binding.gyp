{
  "targets": [
    {
      "target_name": "flbhost",
      "sources": [
        "native/addon.cc",
        "native/chunk_check.cc",
        "native/custom_instance.cc",
        "native/env_channel.cc",
        "native/host_api.cc",
        "native/input_instance.cc",
        "native/instance_properties.cc",
        "native/json_addon.cc",
        "native/json_event_time.cc",
        "native/json_lines.cc",
        "native/json_number.cc",
        "native/json_value.cc",
        "native/library.cc",
        "native/msgpack_buffer.cc",
        "native/output_instance.cc",
        "native/plugin_thread.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags_cc!": [
        "-fno-exceptions",
        "-fno-rtti"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-Wall",
        "-Wextra",
        "-fvisibility=hidden",
        "-fexceptions"
      ],
      "libraries": [
        "-ldl",
        "-lpthread"
      ]
    },
    {
      "target_name": "flbhost-plugin-host",
      "type": "executable",
      "sources": [
        "native/chunk_check.cc",
        "native/custom_instance.cc",
        "native/frame_reader.cc",
        "native/frame_writer.cc",
        "native/host_api.cc",
        "native/input_instance.cc",
        "native/instance_properties.cc",
        "native/library.cc",
        "native/output_instance.cc",
        "native/plugin_host.cc",
        "native/plugin_host_main.cc",
        "native/plugin_thread.cc"
      ],
      "include_dirs": [
        "native"
      ],
      "cflags_cc!": [
        "-fno-exceptions",
        "-fno-rtti"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-Wall",
        "-Wextra",
        "-fexceptions"
      ],
      "libraries": [
        "-ldl",
        "-lpthread"
      ]
    }
  ]
}
