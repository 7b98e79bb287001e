{
  "targets": [
    {
      "target_name": "custodian_kernel",
      "sources": ["src/addon.cc", "src/compare.cc", "src/huge_memory.cc", "src/pair_index.cc", "src/process_memory.cc", "src/record.cc", "src/requests.cc", "src/similarity.cc", "src/weights.cc"],
      "cflags_cc": ["-std=c++17", "-O3"],
      "cflags_cc!": ["-fno-rtti", "-std=gnu++17"],
      "libraries": ["-ldl"],
      "conditions": [["target_arch=='x64'", {"cflags_cc": ["-mpopcnt"]}]]
    }
  ]
}
