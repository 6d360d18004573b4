pub async fn answer() -> ::core::result::Result<u32, ::taskward::Error> {
    static __TASKWARD_META: ::taskward::__private::Meta = ::taskward::__private::Meta::new(
        ::core::concat!(::core::module_path!(), "::", "answer"),
    );
    ::taskward::__private::timeout(
            &__TASKWARD_META,
            ::core::time::Duration::new(0u64, 250000000u32),
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
                    let __taskward_never: u32 = loop {};
                    return __taskward_never;
                }
                { 42 }
            },
        )
        .await
}
