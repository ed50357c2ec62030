// llama.cpp's greedy continuation of a prompt, as llama-simple runs it (BOS added,
// special tokens parsed, context = prompt + n - 1, one thread), with the full logits
// each token was chosen from. Writes <out>.greedy-raw.json and <out>.logits.f32.bin
// (little-endian float32, [n, n_vocab]). Build against a llama.cpp build tree:
//   g++ -O2 -std=c++17 greedy-logits.cpp -I$LLAMA/include -I$LLAMA/ggml/include \
//     $LLAMA/build/src/libllama.a $LLAMA/build/ggml/src/libggml.a \
//     $LLAMA/build/ggml/src/libggml-cpu.a $LLAMA/build/ggml/src/libggml-base.a -fopenmp -lpthread -o greedy-logits
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include "llama.h"

int main(int argc, char ** argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: greedy-logits MODEL PROMPT N OUT\n");
        return 1;
    }
    const char * path = argv[1];
    const std::string prompt = argv[2];
    const int n_predict = atoi(argv[3]);
    const std::string out = argv[4];

    llama_backend_init();
    llama_model * model = llama_model_load_from_file(path, llama_model_default_params());
    if (!model) return 1;
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);

    const int n_prompt = -llama_tokenize(vocab, prompt.c_str(), prompt.size(), nullptr, 0, true, true);
    std::vector<llama_token> tokens(n_prompt);
    llama_tokenize(vocab, prompt.c_str(), prompt.size(), tokens.data(), n_prompt, true, true);

    llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = n_prompt + n_predict - 1;
    cparams.n_batch = n_prompt;
    cparams.n_threads = 1;
    cparams.n_threads_batch = 1;
    cparams.no_perf = true;
    llama_context * ctx = llama_init_from_model(model, cparams);
    if (!ctx) return 1;

    FILE * bin = fopen((out + ".logits.f32.bin").c_str(), "wb");
    std::vector<llama_token> generated;
    std::vector<float> top1, top2;
    std::vector<int> top2_id;
    llama_batch batch = llama_batch_get_one(tokens.data(), tokens.size());
    llama_token next = 0;
    for (int step = 0; step < n_predict; step++) {
        if (llama_decode(ctx, batch) != 0) return 1;
        const float * logits = llama_get_logits_ith(ctx, -1);
        fwrite(logits, sizeof(float), n_vocab, bin);
        int best = 0, second = -1;
        for (int v = 1; v < n_vocab; v++) {
            if (logits[v] > logits[best]) { second = best; best = v; }
            else if (second < 0 || logits[v] > logits[second]) second = v;
        }
        if (second < 0) second = best == 0 ? 1 : 0;
        generated.push_back(best);
        top1.push_back(logits[best]);
        top2.push_back(logits[second]);
        top2_id.push_back(second);
        next = best;
        batch = llama_batch_get_one(&next, 1);
    }
    fclose(bin);

    FILE * json = fopen((out + ".greedy-raw.json").c_str(), "w");
    auto ints = [&](const char * key, const std::vector<int> & v, bool last = false) {
        fprintf(json, "\"%s\": [", key);
        for (size_t i = 0; i < v.size(); i++) fprintf(json, "%s%d", i ? ", " : "", v[i]);
        fprintf(json, "]%s\n", last ? "" : ",");
    };
    auto floats = [&](const char * key, const std::vector<float> & v) {
        fprintf(json, "\"%s\": [", key);
        for (size_t i = 0; i < v.size(); i++) fprintf(json, "%s%.9g", i ? ", " : "", v[i]);
        fprintf(json, "],\n");
    };
    fprintf(json, "{\n\"n_vocab\": %d,\n\"logits_shape\": [%d, %d],\n", n_vocab, n_predict, n_vocab);
    ints("prompt_ids", std::vector<int>(tokens.begin(), tokens.end()));
    floats("top1_logit", top1);
    floats("top2_logit", top2);
    ints("top2_id", top2_id);
    ints("generated_ids", std::vector<int>(generated.begin(), generated.end()), true);
    fprintf(json, "}\n");
    fclose(json);

    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
