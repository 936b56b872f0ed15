#include "worker_pool.h"

#include <algorithm>
#include <atomic>

namespace lmc {

WorkerPool::WorkerPool(int threads)
{
    for (int i = 1; i < threads; i++)
        workers_.emplace_back([this, i] { work(i); });
}

WorkerPool::~WorkerPool()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (std::thread &t : workers_)
        t.join();
}

static void part_range(int n, int parts, int index, int *begin, int *end)
{
    *begin = (int)((long long)n * index / parts);
    *end = (int)((long long)n * (index + 1) / parts);
}

void WorkerPool::run(int n, int min_part, const std::function<void(int, int)> &fn)
{
    int parts = std::clamp(n / std::max(min_part, 1), 1, threads());
    if (parts == 1) {
        fn(0, n);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        fn_ = &fn;
        n_ = n;
        parts_ = parts;
        pending_ = parts - 1;
        error_ = nullptr;
        generation_++;
    }
    wake_.notify_all();
    int begin, end;
    part_range(n, parts, 0, &begin, &end);
    std::exception_ptr mine;
    try {
        fn(begin, end);
    } catch (...) {
        mine = std::current_exception();
    }
    // The other parts still use fn and what it refers to: wait for them
    // before anything, an exception included, leaves this frame.
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    if (!mine)
        mine = error_;
    if (mine)
        std::rethrow_exception(mine);
}

void WorkerPool::for_each(int n, const std::function<void(int)> &fn)
{
    std::atomic<int> next{0};
    run(std::min(n, threads()), 1, [&](int, int) {
        for (int i; (i = next.fetch_add(1)) < n;) {
            try {
                fn(i);
            } catch (...) {
                next = n; // the others stop after their current item
                throw;
            }
        }
    });
}

void WorkerPool::work(int index)
{
    unsigned seen = 0;
    for (;;) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_)
            return;
        seen = generation_;
        if (index >= parts_)
            continue;
        const std::function<void(int, int)> *fn = fn_;
        int begin, end;
        part_range(n_, parts_, index, &begin, &end);
        lock.unlock();
        std::exception_ptr error;
        try {
            (*fn)(begin, end);
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        if (error && !error_)
            error_ = error;
        if (--pending_ == 0)
            done_.notify_one();
    }
}

} // namespace lmc
