#include "worker_pool.h"

#include <algorithm>

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
        generation_++;
    }
    wake_.notify_all();
    int begin, end;
    part_range(n, parts, 0, &begin, &end);
    fn(begin, end);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
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
        (*fn)(begin, end);
        lock.lock();
        if (--pending_ == 0)
            done_.notify_one();
    }
}

} // namespace lmc
