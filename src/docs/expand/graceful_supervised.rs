async fn consume(&self, queue: Queue) -> Result<(), WorkerError> {
    #[allow(unused_imports)]
    use supervised as _;
    static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
        ::core::concat!(::core::module_path!(), "::", "consume"),
    );
    static __TASKWARD_POLICY_1: ::taskward::__private::SupervisePolicy = ::taskward::__private::SupervisePolicy {
        restarts: 3u32,
        within: ::core::time::Duration::new(10u64, 0u32),
        backoff_min: ::core::time::Duration::new(0u64, 100000000u32),
        backoff_max: ::core::time::Duration::new(10u64, 0u32),
        jitter: true,
        always: false,
    };
    match {
        ::taskward::__private::flatten(
            ::taskward::__private::graceful(
                    ::taskward::Shutdown::global(),
                    &__TASKWARD_META,
                    false,
                    async move {
                        let mut __taskward_supervisor = ::taskward::__private::Supervisor::new(
                            &__TASKWARD_META,
                            &__TASKWARD_POLICY_1,
                            ::taskward::Shutdown::global(),
                        );
                        loop {
                            let __taskward_self = self;
                            let queue = ::taskward::__private::rerun_arg(&queue);
                            match __taskward_supervisor
                                .run(async move {
                                    #[allow(
                                        unknown_lints,
                                        unreachable_code,
                                        clippy::diverging_sub_expression,
                                        clippy::empty_loop,
                                        clippy::let_unit_value,
                                        clippy::let_with_type_underscore,
                                        clippy::needless_return,
                                        clippy::unreachable
                                    )]
                                    if false {
                                        let __taskward_never: Result<(), WorkerError> = loop {};
                                        return __taskward_never;
                                    }
                                    { __taskward_self.process(queue.next().await?).await }
                                })
                                .await
                            {
                                ::taskward::__private::Ok(
                                    ::taskward::__private::Ok(__taskward_value),
                                ) => {
                                    if __taskward_supervisor.restart_after_ok().await {
                                        continue;
                                    }
                                    break ::taskward::__private::Ok(
                                        ::taskward::__private::Ok(__taskward_value),
                                    );
                                }
                                ::taskward::__private::Ok(
                                    ::taskward::__private::Err(__taskward_error),
                                ) => {
                                    let __taskward_restart = __taskward_supervisor
                                        .restart_after_error(
                                            &{
                                                #[allow(unused_imports)]
                                                use ::taskward::__private::{
                                                    DescribeDebug as _, DescribeDisplay as _, DescribeOther as _,
                                                };
                                                (&&&::taskward::__private::Describe(&__taskward_error))
                                                    .__taskward_describe()
                                            },
                                        );
                                    if __taskward_restart.await {
                                        continue;
                                    }
                                    break ::taskward::__private::Ok(
                                        ::taskward::__private::Err(__taskward_error),
                                    );
                                }
                                ::taskward::__private::Err(__taskward_panic) => {
                                    if __taskward_supervisor
                                        .restart_after_panic(&__taskward_panic)
                                        .await
                                    {
                                        continue;
                                    }
                                    break ::taskward::__private::Err(
                                        __taskward_panic.into_error(),
                                    );
                                }
                            }
                        }
                    },
                )
                .await,
        )
    } {
        ::taskward::__private::Ok(__taskward_value) => __taskward_value,
        ::taskward::__private::Err(__taskward_error) => {
            ::taskward::__private::fail::<Result<(), WorkerError>>(__taskward_error)
        }
    }
}
