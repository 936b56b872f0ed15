// WorkerPool: every index of the range is visited exactly once, by as many
// threads as the split allows, call after call (the wavefront decoder calls
// it once per step).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "worker_pool.h"

using namespace lmc;

TEST(WorkerPool, EveryIndexOnceAcrossManyCalls)
{
    for (int threads : {1, 2, 3, 8}) {
        WorkerPool pool(threads);
        EXPECT_EQ(pool.threads(), threads);
        for (int call = 0; call < 500; call++) {
            int n = (call * 37) % 300;
            std::vector<std::atomic<int>> seen(n);
            std::mutex m;
            std::set<std::thread::id> ids;
            pool.run(n, 16, [&](int begin, int end) {
                for (int i = begin; i < end; i++)
                    seen[i]++;
                std::lock_guard<std::mutex> lock(m);
                ids.insert(std::this_thread::get_id());
            });
            for (int i = 0; i < n; i++)
                ASSERT_EQ(seen[i].load(), 1) << threads << " threads, n " << n << ", index " << i;
            EXPECT_LE((int)ids.size(), std::max(1, std::min(threads, n / 16)));
        }
    }
}
