async fn fetch(&self, url: &str) -> Result<Bytes, FetchError> {
    #[allow(unused_imports)]
    use with_timeout as _;
    static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
        ::core::concat!(::core::module_path!(), "::", "fetch"),
    );
    static __TASKWARD_BULKHEAD_0: ::taskward::Bulkhead = ::taskward::Bulkhead::new(
        8usize,
    );
    match {
        let __taskward_permit = ::taskward::__private::acquire(
                &__TASKWARD_BULKHEAD_0,
                &__TASKWARD_META,
            )
            .await;
        ::taskward::__private::timeout(
                &__TASKWARD_META,
                ::core::time::Duration::new(2u64, 0u32),
                async move {
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
                        let __taskward_never: Result<Bytes, FetchError> = loop {};
                        return __taskward_never;
                    }
                    { self.client.get(url).await }
                },
            )
            .await
    } {
        ::taskward::__private::Ok(__taskward_value) => __taskward_value,
        ::taskward::__private::Err(__taskward_error) => {
            ::taskward::__private::fail::<Result<Bytes, FetchError>>(__taskward_error)
        }
    }
}
