// A fixed set of threads that run one range split in parallel and return
// when every part is done: the wavefront decoder calls it once per step
// (~930 times per CIF frame), so the threads stay alive between calls
// instead of being started each time.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lmc {

class WorkerPool {
public:
    // threads: parallel parts including the caller's (1: everything inline).
    explicit WorkerPool(int threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool &) = delete;
    WorkerPool &operator=(const WorkerPool &) = delete;

    int threads() const { return (int)workers_.size() + 1; }

    // Calls fn(begin, end) on consecutive parts of [0, n), one per thread
    // (the caller takes the first); ranges shorter than min_part items per
    // thread use fewer threads. Returns when all parts are done; then
    // rethrows the first exception a part threw, if any.
    void run(int n, int min_part, const std::function<void(int, int)> &fn);

    // Calls fn(i) for every i in [0, n), each thread taking the next i as it
    // gets free (items of unequal cost, such as tiles); as run() otherwise.
    void for_each(int n, const std::function<void(int)> &fn);

private:
    void work(int index);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const std::function<void(int, int)> *fn_ = nullptr;
    int n_ = 0, parts_ = 0;
    unsigned generation_ = 0;
    int pending_ = 0;
    bool stop_ = false;
    std::exception_ptr error_; // the first exception of the current run
};

} // namespace lmc
