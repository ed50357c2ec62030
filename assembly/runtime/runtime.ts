// The runtime asconfig names (as AssemblyScript's own rt/index-stub.ts does): only an
// import, so that object-heap.ts is a module like any other — what a runtime entry file
// exports would become exports of the core.
import "./object-heap";
